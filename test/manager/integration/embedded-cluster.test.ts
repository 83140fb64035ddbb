import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { hashPassword } from '../../../broker/auth/password-hash.ts'
import { silentLogger } from '../../../lib/log.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { startManager, type RunningManager } from '../../../manager/wiring/start-manager.ts'
import { agentClientId } from '../../../schemas/principals.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { contractPayload } from '../../broker/support/contract-payloads.ts'
import { startRedis, type RunningRedis } from '../../helpers/redis-server.ts'

/**
 * Two managers whose embedded brokers share one Redis (broker.embedded.cluster): a device logged in on one
 * manager's broker reaches a reader on the other's. Each manager has its own SQLite Inventory here; in a real
 * cluster they share one database (PostgreSQL), so each broker knows every device's credential.
 */
const WAIT_MS = 30_000
const DEVICE = { tenantId: 'acme', hostId: 'h1' }
const READER = { username: 'reader', password: 'reader-secret', role: 'integrator' as const }

async function startClusteredManager(t: ExecutionContext, redis: RunningRedis): Promise<RunningManager> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-embedded-cluster-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const embedded = { tcp: { port: 0 }, cluster: { redis: { path: redis.socketPath } } }
  const parsed = parseManagerConfig({ dataDir, api: { port: 0 }, broker: { embedded } }, { env: {} })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const running = await startManager(parsed.config, { log: silentLogger(), integrators: [READER] })
  t.teardown(() => running.close())
  return running
}

test("two managers' embedded brokers on one Redis route a device's report from one to the other", async (t) => {
  t.timeout(4 * WAIT_MS)
  const redis = await startRedis(t)
  const first = await startClusteredManager(t, redis)
  const second = await startClusteredManager(t, redis)
  await second.inventory.createTenant({ tenantId: DEVICE.tenantId })
  await second.inventory.createHost(DEVICE)
  const passwordHash = await hashPassword('device-secret', { logN: 10, r: 8, p: 1 })
  await second.inventory.putCredential({ ...DEVICE, username: 'h1@acme', passwordHash })

  const reader = await mqtt.connectAsync(first.brokerUrl, {
    username: READER.username,
    password: READER.password,
    clientId: `${READER.username}:cluster-test`,
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
  })
  t.teardown(() => reader.endAsync(true))
  const received = new Promise<string>((resolve) => reader.on('message', (_topic, payload) => resolve(String(payload))))
  await reader.subscribeAsync('amt/v1/acme/+/capability', { qos: 1 })

  const device = await mqtt.connectAsync(second.brokerUrl, {
    username: 'h1@acme',
    password: 'device-secret',
    clientId: agentClientId(DEVICE, 'cluster-test'),
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
  })
  t.teardown(() => device.endAsync(true))
  const capability = contractPayload(buildTopic({ ...DEVICE, leaf: 'capability' }), 'reported to the second manager')
  await device.publishAsync(buildTopic({ ...DEVICE, leaf: 'capability' }), capability, { qos: 1, retain: true })

  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('nothing'), WAIT_MS)))
  t.is(await Promise.race([received, timeout]), capability, "the first manager's broker delivered the report")
  clearTimeout(timer)
})
