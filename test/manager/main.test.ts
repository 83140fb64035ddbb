import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import test from 'ava'
import { createLogger } from '../../lib/log.ts'
import { parseManagerConfig } from '../../manager/config/config.ts'
import { DMT_NOT_CONFIGURED_MESSAGE } from '../../manager/dmt/preparer.ts'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { startManager } from '../../manager/wiring/start-manager.ts'
import { FakeMps } from '../../manager/demo/simulated-dmt/mps/fake-mps.ts'
import { FakeRps } from '../../manager/demo/simulated-dmt/rps/fake-rps.ts'
import { capturedLogger } from './secrets/support.ts'

test('the single-machine default: local secret store in <dataDir>/secrets.db, "RPS/MPS not configured" said once, passwords prepared; closes in order', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-manager-main-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const parsed = parseManagerConfig(
    { dataDir, api: { port: 0 }, broker: { embedded: { tcp: { port: 0 } } } },
    { env: {} },
  )
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  const { log, lines } = capturedLogger()
  const running = await startManager(parsed.config, { log })
  t.teardown(() => running.close())
  t.is(running.dmt, null)
  t.is(running.grpc, null)
  t.is(running.secretStore.kind, 'local')
  t.is(lines.filter((line) => line.includes(DMT_NOT_CONFIGURED_MESSAGE)).length, 1, 'said once at start')

  const key = { tenantId: 'acme', hostId: 'h-1' }
  await running.inventory.createTenant({ tenantId: key.tenantId })
  await running.inventory.createHost(key)
  await running.core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'test')
  const password = await running.passwords.readHostPassword(key)
  t.is(password?.origin, 'host', 'a random-policy password was stored before desired was published')
  t.is((await stat(path.join(dataDir, 'secrets.db'))).mode & 0o777, 0o600)

  await running.close()
  const order = lines.map((line) => JSON.parse(line) as { msg: string }).map((line) => line.msg)
  t.true(order.indexOf('stopped') > order.indexOf('stopping'))
  t.false(
    lines.some((line) => password !== null && line.includes(password.password)),
    'the password is never logged',
  )
})

test('with a grpc section the bridge is started after the API (key from the configured file) and stopped first', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-manager-main-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const publicKeyFile = path.join(dataDir, 'jwt.pem')
  await writeFile(
    publicKeyFile,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  )
  const document = {
    dataDir,
    api: { port: 0 },
    broker: { embedded: { tcp: { port: 0 } } },
    grpc: { host: '127.0.0.1', port: 0, auth: { publicKeyFile } },
  }
  const parsed = parseManagerConfig(document, { env: {} })
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  const { log, lines } = capturedLogger()
  const running = await startManager(parsed.config, { log })
  t.teardown(() => running.close())
  t.true((running.grpc?.port ?? 0) > 0)
  await running.close()
  t.is(running.grpc?.port, null, 'stopped with the manager')
  const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg)
  t.true(messages.indexOf('gRPC bridge stopped') < messages.indexOf('stopped'))
})

test('with a dmt section main() starts the power sweep: on its interval a connected PROVISIONED host is read from MPS', async (t) => {
  const [rps, mps] = await Promise.all([FakeRps.start(), FakeMps.start()])
  t.teardown(() => Promise.all([rps.close(), mps.close()]))
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-manager-main-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const dmt = {
    rps: { url: rps.url, activationUrl: 'wss://rps.example.com/activate' },
    mps: { url: mps.url, publicAddress: 'mps.example.com' },
    powerSweep: { intervalSeconds: 1, concurrency: 2 },
  }
  const parsed = parseManagerConfig(
    { dataDir, api: { port: 0 }, broker: { embedded: { tcp: { port: 0 } } }, dmt },
    { env: {} },
  )
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  let swept = (): void => undefined
  /** Resolves at the next "power sweep done" log line (one sweep ended). */
  const nextSweep = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no power sweep within 10 s')), 10_000)
      swept = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (chunk.toString().includes('"power sweep done"')) swept()
      done()
    },
  })
  const running = await startManager(parsed.config, {
    log: createLogger({ name: 'test', level: 'debug', destination }),
  })
  t.teardown(() => running.close())
  const key = { tenantId: 'acme', hostId: '4c4c4544-0000-4000-8000-0000000000aa' }
  await running.inventory.createTenant({ tenantId: key.tenantId })
  await running.inventory.createHost(key)
  await running.inventory.updateHost(key, { currentState: 'PROVISIONED' })
  await running.core.refreshHost(key)
  await running.dmt?.mps.registerDevice({
    guid: key.hostId,
    hostname: 'edge',
    friendlyName: 'edge',
    tags: [],
    mpsusername: 'admin',
    tenantId: '',
    dnsSuffix: '',
  })
  mps.connect(key.hostId, 7)
  // A sweep running while the host was being set up may have missed it: the one after surely reads it.
  await nextSweep()
  await nextSweep()
  const read = await running.inventory.getHost(key)
  t.like(read, { currentPowerState: 'HIBERNATE' })
  t.not(read.powerStateReadAt, null)
  await running.close()
})

test('with a dmt section main() registers with MPS, at start, a PROVISIONED host activated before MPS was configured', async (t) => {
  const [rps, mps] = await Promise.all([FakeRps.start(), FakeMps.start()])
  t.teardown(() => Promise.all([rps.close(), mps.close()]))
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-manager-main-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const key = { tenantId: 'acme', hostId: '4c4c4544-0000-4000-8000-0000000000bb' }
  const before = await openSqliteInventory({ dataDir })
  await before.createTenant({ tenantId: key.tenantId })
  await before.createHost({ ...key, name: 'edge-bb' })
  await before.updateHost(key, { currentState: 'PROVISIONED' })
  await before.close()
  const dmt = {
    rps: { url: rps.url, activationUrl: 'wss://rps.example.com/activate' },
    mps: { url: mps.url, publicAddress: 'mps.example.com' },
  }
  const parsed = parseManagerConfig(
    { dataDir, api: { port: 0 }, broker: { embedded: { tcp: { port: 0 } } }, dmt },
    { env: {} },
  )
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  let registered = (): void => undefined
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no MPS registration sweep within 30 s')), 30_000)
    registered = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (chunk.toString().includes('"MPS registration sweep: registered devices MPS did not know"')) registered()
      callback()
    },
  })
  const running = await startManager(parsed.config, { log: createLogger({ name: 'test', level: 'info', destination }) })
  t.teardown(() => running.close())
  await done
  t.like(mps.devices.get(key.hostId), { hostname: 'edge-bb', tags: ['tenant:acme', `host:${key.hostId}`] })
  await running.close()
})
