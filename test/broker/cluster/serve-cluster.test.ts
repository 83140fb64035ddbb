import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { hashPassword } from '../../../broker/auth/password-hash.ts'
import { serve } from '../../../broker/serve.ts'
import { SERVICE_EXIT } from '../../../lib/service-exit.ts'
import { agentClientId } from '../../../schemas/principals.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { FakeProcess } from '../../helpers/fake-process.ts'
import { freePort } from '../../helpers/free-port.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import { within } from '../support/mqtt-clients.ts'
import { otherClients } from './cluster-pair.ts'

/**
 * `amt-broker serve` twice in this process (on stand-in `process`es), both configured with `cluster.redis` on one
 * password-protected redis-server and one credentials file: the config, the password file and the stop of a
 * standalone broker in a cluster.
 */
const WAIT_MS = 30_000
const REDIS_PASSWORD = 'redis-test-secret'
const DEVICE = { tenantId: 't1', hostId: 'h1' }

async function clusterDir(t: ExecutionContext, redisLines: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-broker-cluster-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const hash = (password: string) => hashPassword(password, { logN: 10, r: 8, p: 1 })
  const principals = [
    `{ username: manager, role: manager, passwordHash: "${await hash('manager-secret')}" }`,
    `{ username: h1, role: device, tenantId: t1, hostId: h1, passwordHash: "${await hash('device-secret')}" }`,
  ]
  await writeFile(path.join(dir, 'creds.yaml'), `principals:\n${principals.map((p) => `  - ${p}\n`).join('')}`)
  await writeFile(path.join(dir, 'redis.pass'), `${REDIS_PASSWORD}\n`)
  await writeFile(path.join(dir, 'cluster.yaml'), ['cluster:', '  redis:', ...redisLines, ''].join('\n'))
  return dir
}

/** One `serve` with the dir's credentials and cluster section on a free port. */
async function serveInstance(t: ExecutionContext, dir: string, name: string, extra: string[] = []) {
  const port = await freePort()
  const file = path.join(dir, `${name}.yaml`)
  const cluster = await readFile(path.join(dir, 'cluster.yaml'), 'utf8')
  const lines = [`listeners:\n  tcp: { host: 127.0.0.1, port: ${port} }`, 'credentialsFile: creds.yaml', ...extra]
  await writeFile(file, `${lines.join('\n')}\nlogLevel: silent\n${cluster}`)
  const proc = new FakeProcess()
  const printed: string[] = []
  const exitCode = serve(file, { printProblem: (line) => printed.push(line), process: proc })
  t.teardown(() => void proc.emit('SIGTERM', 'SIGTERM'))
  return { url: `mqtt://127.0.0.1:${port}`, proc, printed, exitCode }
}

/** mqtt.js retries every 100 ms until the broker listens: its `connect` is the event waited for. */
async function connected(t: ExecutionContext, url: string, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 100, connectTimeout: WAIT_MS, ...options })
  client.on('error', () => undefined)
  t.teardown(() => client.endAsync(true))
  await within(new Promise((resolve) => client.once('connect', resolve)), `a connection to ${url}`, WAIT_MS)
  client.options.reconnectPeriod = 0
  return client
}

test('two amt-broker serve instances on one Redis (password file): a device on one reaches the manager on the other', async (t) => {
  const redis = await startRedis(t, { password: REDIS_PASSWORD })
  const dir = await clusterDir(t, [`    path: ${redis.socketPath}`, '    passwordFile: redis.pass', '    db: 1'])
  const [one, two] = [await serveInstance(t, dir, 'one'), await serveInstance(t, dir, 'two')]
  const manager = await connected(t, one.url, {
    username: 'manager',
    password: 'manager-secret',
    clientId: 'manager:cluster',
  })
  const received = new Promise<string>((resolve) =>
    manager.on('message', (_topic, payload) => resolve(payload.toString('utf8'))),
  )
  await manager.subscribeAsync('amt/v1/t1/+/secret/req', { qos: 1 })
  const device = await connected(t, two.url, {
    username: 'h1',
    password: 'device-secret',
    clientId: agentClientId(DEVICE, 'cluster'),
  })
  await device.publishAsync(buildTopic({ ...DEVICE, leaf: 'secret/req' }), 'through broker two', { qos: 1 })
  t.is(await within(received, 'the request on broker one', WAIT_MS), 'through broker two')

  for (const instance of [one, two]) instance.proc.emit('SIGTERM', 'SIGTERM')
  t.deepEqual(await Promise.all([one.exitCode, two.exitCode]), [SERVICE_EXIT.OK, SERVICE_EXIT.OK])
  t.deepEqual([...one.printed, ...two.printed], [])
  t.is(await otherClients(redis, REDIS_PASSWORD), 0, 'the stopped brokers left no Redis connection')
})

test('amt-broker serve with its Redis away: "cannot start", exit 2, within startup.timeoutMs', async (t) => {
  const redis = await startRedis(t, { password: REDIS_PASSWORD })
  await redis.kill('SIGTERM')
  const dir = await clusterDir(t, [`    path: ${redis.socketPath}`, '    passwordFile: redis.pass'])
  const broker = await serveInstance(t, dir, 'alone', ['startup: { timeoutMs: 1000 }'])
  t.is(await within(broker.exitCode, 'serve to give up', WAIT_MS), SERVICE_EXIT.FATAL)
  t.is(broker.printed.length, 1, broker.printed.join('\n'))
  t.regex(
    broker.printed[0] ?? '',
    /^amt-broker: cannot start: Redis at \/.*redis\.sock did not become ready within 1000 ms \(startup\.timeoutMs\): connect ENOENT/,
  )
})

test('amt-broker serve: an unreadable Redis password file is a configuration problem (exit 1)', async (t) => {
  const dir = await clusterDir(t, ['    host: 127.0.0.1', '    passwordFile: missing.pass'])
  const broker = await serveInstance(t, dir, 'alone')
  t.is(await within(broker.exitCode, 'serve to refuse its config', WAIT_MS), SERVICE_EXIT.BAD_CONFIG)
  t.true(
    broker.printed.some((line) => /cluster\.redis\.passwordFile: cannot read .*missing\.pass \(ENOENT\)/.test(line)),
    broker.printed.join('\n'),
  )
})
