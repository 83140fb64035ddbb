import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import mqtt, { type MqttClient } from 'mqtt'
import { hashPassword } from '../../broker/auth/password-hash.ts'
import { serve } from '../../broker/serve.ts'
import { SERVICE_EXIT } from '../../lib/service-exit.ts'
import { FakeProcess } from '../helpers/fake-process.ts'
import { freePort } from '../helpers/free-port.ts'
import { testClientId } from '../helpers/client-ids.ts'
import { EVENT_TIMEOUT_MS } from './support/mqtt-clients.ts'

// `amt-broker serve` in this process, on a stand-in `process`: the fatal-error handler and the second-signal exit
// it gets from the services' lifecycle (lib/service-lifecycle.ts). test/broker/config.test.ts runs the real CLI.

const MANAGER = { username: 'manager', password: 'manager-secret' }

/** `serve` on a free loopback port with one manager principal; resolves once a client of it is connected. */
async function serveConnected(t: ExecutionContext, proc: FakeProcess) {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-broker-serve-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const hash = await hashPassword(MANAGER.password, { logN: 10, r: 8, p: 1 })
  const principal = `{ username: manager, role: manager, passwordHash: "${hash}" }`
  await writeFile(path.join(dir, 'creds.yaml'), `principals:\n  - ${principal}\n`)
  const port = await freePort()
  const listener = `listeners:\n  tcp: { host: 127.0.0.1, port: ${port} }`
  const config = [listener, 'credentialsFile: creds.yaml', 'logLevel: silent']
  await writeFile(path.join(dir, 'broker.yaml'), `${config.join('\n')}\n`)
  const printed: string[] = []
  const io = { printProblem: (line: string) => printed.push(line), process: proc }
  const exitCode = serve(path.join(dir, 'broker.yaml'), io)
  // mqtt.js retries (every 100 ms) until the broker listens: its `connect` is the event to wait for
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    ...MANAGER,
    clientId: testClientId(MANAGER.username),
    reconnectPeriod: 100,
    connectTimeout: EVENT_TIMEOUT_MS,
  })
  client.on('error', () => undefined)
  t.teardown(() => client.endAsync(true))
  await within(new Promise((resolve) => client.once('connect', resolve)), 'the broker to accept the manager')
  return { exitCode, client, printed }
}

/** The broker closed the client's connection (and mqtt.js stops retrying). */
async function disconnectedBy(client: MqttClient): Promise<void> {
  await new Promise<void>((resolve) => client.once('close', () => resolve()))
  client.options.reconnectPeriod = 0
}

async function within<T>(pending: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${EVENT_TIMEOUT_MS} ms`)), EVENT_TIMEOUT_MS)
  })
  try {
    return await Promise.race([pending, timeout])
  } finally {
    clearTimeout(timer)
  }
}

test('serve: an uncaught exception or unhandled rejection stops the broker in order → 2', async (t) => {
  for (const event of ['uncaughtException', 'unhandledRejection']) {
    const proc = new FakeProcess()
    const { exitCode, client, printed } = await serveConnected(t, proc)
    const closed = disconnectedBy(client)
    proc.emit(event, new Error('boom'))
    t.is(await within(exitCode, 'serve to return'), SERVICE_EXIT.FATAL, event)
    await within(closed, 'the broker to close the connection')
    t.deepEqual(proc.exits, [], 'stopped in order, not exited at once')
    t.deepEqual(printed, [])
  }
})

test('serve: a second SIGTERM while the broker stops exits at once with 2 (the first stop completes)', async (t) => {
  const proc = new FakeProcess()
  const { exitCode, client } = await serveConnected(t, proc)
  const closed = disconnectedBy(client)
  proc.emit('SIGTERM', 'SIGTERM')
  proc.emit('SIGTERM', 'SIGTERM')
  t.deepEqual(proc.exits, [SERVICE_EXIT.FATAL])
  t.is(await within(exitCode, 'serve to return'), SERVICE_EXIT.OK)
  await within(closed, 'the broker to close the connection')
})
