import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { execa } from 'execa'
import { decodeHash, hashPassword, verifyPasswordHash } from '../../broker/auth/password-hash.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { parseManagerConfig } from '../../manager/config/config.ts'
import { LAUNCHER, ROOT } from '../helpers/launchers.ts'
import { connectClient, within } from './support/mqtt-clients.ts'

const CLI = LAUNCHER.broker

/** Runs the real CLI (through its bin launcher) from the repository root. */
const amtBroker = (args: string[], options: { input?: string } = {}) =>
  execa(process.execPath, [CLI, ...args], { cwd: ROOT, reject: false, timeout: 30_000, ...options })

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-broker-config-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('a config with several problems reports every one of them', (t) => {
  const result = parseBrokerConfig({
    listeners: { tcp: { port: -1 }, tls: { port: 8883 } },
    limits: { maxPacketBytes: 'big', maxTopicLevels: 500 },
    logLevel: 'loud',
    extra: true,
  })
  if (result.ok) return t.fail('accepted a bad config')
  const paths = result.problems.map((problem) => problem.split(':')[0])
  t.deepEqual(
    new Set(paths),
    new Set([
      'listeners.tcp.port',
      'listeners.tls.certFile',
      'listeners.tls.keyFile',
      'limits.maxPacketBytes',
      'limits.maxTopicLevels',
      'logLevel',
      '(root)',
    ]),
  )
})

test('defaults fill a minimal config; relative paths resolve against the config file', (t) => {
  const result = parseBrokerConfig({ listeners: { tcp: {} }, credentialsFile: 'creds.yaml' }, '/etc/amt')
  if (!result.ok) return t.fail(result.problems.join('\n'))
  t.like(result.config, {
    listeners: { tcp: { host: '127.0.0.1', port: 1883 } },
    limits: { maxPacketBytes: 65536 },
    credentialsFile: '/etc/amt/creds.yaml',
  })
  t.false(parseBrokerConfig({ listeners: {} }).ok, 'at least one listener')
})

test('serve with a bad config prints every problem and exits 1', async (t) => {
  const dir = await tempDir(t)
  const file = path.join(dir, 'bad.yaml')
  await writeFile(file, 'listeners:\n  tcp: { port: 70000 }\nlimits:\n  drainTimeoutMs: -5\nlogLevel: loud\n')
  const result = await amtBroker(['serve', '--config', file])
  t.is(result.exitCode, 1)
  for (const problem of ['listeners.tcp.port', 'limits.drainTimeoutMs', 'logLevel'])
    t.true(result.stderr.includes(problem), problem)
  const missing = await amtBroker(['serve', '--config', path.join(dir, 'absent.yaml')])
  t.is(missing.exitCode, 1)
  t.regex(missing.stderr, /cannot read .*absent\.yaml: ENOENT/)
})

test('serve with a bad credentials file prints every problem and exits 1', async (t) => {
  const dir = await tempDir(t)
  await writeFile(
    path.join(dir, 'creds.yaml'),
    [
      'principals:',
      '  - { username: a, role: manager, passwordHash: "plain-text" }',
      '  - { username: b, role: device, tenantId: t1, passwordHash: "plain-text" }',
      '  - { username: a, role: integrator, password: "nope" }',
    ].join('\n'),
  )
  await writeFile(path.join(dir, 'broker.yaml'), 'listeners:\n  tcp: { port: 0 }\ncredentialsFile: creds.yaml\n')
  const result = await amtBroker(['serve', '--config', path.join(dir, 'broker.yaml')])
  t.is(result.exitCode, 1)
  for (const problem of ['principals.0.passwordHash', 'principals.1.hostId', 'principals.2'])
    t.true(result.stderr.includes(problem), `${problem} in ${result.stderr}`)
  t.false(result.stderr.includes('nope'), 'a password in the file is not echoed')
})

test('serve starts from a valid config, accepts a principal from the credentials file, and exits 0 on SIGTERM', async (t) => {
  const dir = await tempDir(t)
  const hash = await hashPassword('manager-secret', { logN: 10, r: 8, p: 1 })
  await writeFile(
    path.join(dir, 'creds.yaml'),
    `principals:\n  - { username: manager, role: manager, passwordHash: "${hash}" }\n`,
  )
  await writeFile(
    path.join(dir, 'broker.yaml'),
    'listeners:\n  tcp: { host: 127.0.0.1, port: 0 }\ncredentialsFile: creds.yaml\n',
  )
  const child = execa(process.execPath, [CLI, 'serve', '--config', path.join(dir, 'broker.yaml')], {
    cwd: ROOT,
    reject: false,
  })
  t.teardown(() => child.kill('SIGKILL'))
  const port = await within(
    new Promise<number>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /"listener":"tcp","port":(\d+)/.exec(chunk.toString('utf8'))
        if (match?.[1] !== undefined) resolve(Number(match[1]))
      })
    }),
    'the broker to log its port',
    30_000,
  )
  const client = await connectClient(t, `mqtt://127.0.0.1:${port}`, { username: 'manager', password: 'manager-secret' })
  t.true(client.connected)
  child.kill('SIGTERM')
  const result = await child
  t.is(result.exitCode, 0, result.stderr)
  t.false(result.stdout.includes('manager-secret'))
})

test('serve exits non-zero with a clear message when a port is taken', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  const address = blocker.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const dir = await tempDir(t)
  await writeFile(
    path.join(dir, 'broker.yaml'),
    `listeners:\n  tcp: { host: 127.0.0.1, port: ${port} }\nlogLevel: silent\n`,
  )
  const result = await amtBroker(['serve', '--config', path.join(dir, 'broker.yaml')])
  t.is(result.exitCode, 2)
  t.regex(result.stderr, /cannot start: .*EADDRINUSE/)
})

test('hash-password reads the password from stdin and prints a verifiable scrypt hash', async (t) => {
  const result = await amtBroker(['hash-password'], { input: 'correct horse\n' })
  t.is(result.exitCode, 0, result.stderr)
  const hash = decodeHash(result.stdout.trim())
  if (hash === null) return t.fail(`not a hash: ${result.stdout}`)
  t.true(await verifyPasswordHash(hash, 'correct horse'))
  t.false(await verifyPasswordHash(hash, 'correct horse\n'))
  const empty = await amtBroker(['hash-password'], { input: '' })
  t.is(empty.exitCode, 1)
  t.regex(empty.stderr, /empty password/)
})

test('connect rate limit: a token bucket per address, defaults sized for a site behind one NAT address', (t) => {
  const defaults = parseBrokerConfig({ listeners: { tcp: {} } })
  if (!defaults.ok) return t.fail(defaults.problems.join('\n'))
  t.deepEqual(defaults.config.limits.connectRateLimit, { burst: 1000, perSecond: 20 })
  const fractional = parseBrokerConfig({
    listeners: { tcp: {} },
    limits: { connectRateLimit: { burst: 5, perSecond: 0.5 } },
  })
  t.like(fractional, { ok: true, config: { limits: { connectRateLimit: { burst: 5, perSecond: 0.5 } } } })
})

test('connect rate limit: the former keys and bad values are reported with their paths and what to use', (t) => {
  const former = parseBrokerConfig({
    listeners: { tcp: {} },
    limits: { connectRateLimit: { max: 30, windowMs: 10_000 } },
  })
  if (former.ok) return t.fail('accepted the former keys')
  t.deepEqual(former.problems, [
    'limits.connectRateLimit.max: replaced by burst and perSecond (a token bucket per address, see broker/README.md)',
    'limits.connectRateLimit.windowMs: replaced by burst and perSecond (a token bucket per address, see broker/README.md)',
  ])
  const bad = parseBrokerConfig({
    listeners: { tcp: {} },
    limits: { connectRateLimit: { burst: 0.5, perSecond: 0, per: 1 } },
  })
  if (bad.ok) return t.fail('accepted bad values')
  t.deepEqual(bad.problems.map((problem) => problem.split(': ')[0]).sort(), [
    'limits.connectRateLimit',
    'limits.connectRateLimit.burst',
    'limits.connectRateLimit.perSecond',
  ])
  t.true(bad.problems.includes('limits.connectRateLimit.perSecond: must be > 0 (attempts per second)'))
})

test("per-device budgets: defaults, checks, and the same keys in the manager's embedded broker settings", (t) => {
  const defaults = parseBrokerConfig({ listeners: { tcp: {} } })
  if (!defaults.ok) return t.fail(defaults.problems.join('\n'))
  t.like(defaults.config.limits, {
    devicePublishRateLimit: { max: 600, windowMs: 10_000 },
    deviceByteRateLimit: { max: 1024 * 1024, windowMs: 10_000 },
    maxConnectionsPerDevice: 4,
  })
  const bad = parseBrokerConfig({
    listeners: { tcp: {} },
    limits: { maxConnectionsPerDevice: 0, deviceByteRateLimit: { max: -1 } },
  })
  if (bad.ok) return t.fail('accepted bad budgets')
  t.true(bad.problems.some((problem) => problem.startsWith('limits.maxConnectionsPerDevice:')))
  t.true(bad.problems.some((problem) => problem.startsWith('limits.deviceByteRateLimit.max:')))
  const limits = { maxConnectionsPerDevice: 2, deviceByteRateLimit: { max: 4096, windowMs: 1000 } }
  const manager = parseManagerConfig({ dataDir: '/tmp/unused', broker: { embedded: { limits } } }, { env: {} })
  if (!manager.ok) return t.fail(manager.problems.join('\n'))
  t.like(manager.config.broker, { mode: 'embedded', limits })
})

test('connect rate limit: the manager passes it to its embedded broker with the same keys and checks', (t) => {
  const withLimit = (connectRateLimit: object) => ({
    dataDir: '/tmp/unused',
    broker: { embedded: { limits: { connectRateLimit } } },
  })
  const loaded = parseManagerConfig(withLimit({ burst: 2000, perSecond: 40 }), { env: {} })
  if (!loaded.ok) return t.fail(loaded.problems.join('\n'))
  t.like(loaded.config.broker, { mode: 'embedded', limits: { connectRateLimit: { burst: 2000, perSecond: 40 } } })
  const former = parseManagerConfig(withLimit({ max: 30 }), { env: {} })
  if (former.ok) return t.fail('accepted the former keys')
  t.true(
    former.problems.some((problem) =>
      problem.startsWith('broker.embedded.limits.connectRateLimit.max: replaced by burst'),
    ),
  )
})
