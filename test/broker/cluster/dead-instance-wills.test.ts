import test, { type ExecutionContext } from 'ava'
import { Redis } from 'ioredis'
import mqtt, { type MqttClient } from 'mqtt'
import { MemoryCredentialStore } from '../../../broker/auth/credentials.ts'
import type { BrokerBackends } from '../../../broker/backends.ts'
import { redisBackends } from '../../../broker/cluster/redis-backends.ts'
import { silentLogger } from '../../../lib/log.ts'
import { agentClientId } from '../../../schemas/principals.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { testClientId } from '../../helpers/client-ids.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import { contractPayload } from '../support/contract-payloads.ts'
import { socketSettings } from './cluster-pair.ts'

/**
 * Two brokers on one Redis with a short heartbeat (cluster.heartbeatMs); broker A "dies": its Redis connections are
 * cut, so it neither beats nor touches the shared state again (as a SIGKILLed process). Its devices' last wills are
 * stored in Redis under A's id. One device moves to B, one never comes back. B must publish the will of the one
 * that never came back (a dead instance's will has no client: judged as the device its agent client id names), and
 * never the will of the one that moved (B drops it when the device connects: it would say "offline" of a device
 * that is online).
 */
const WAIT_MS = 30_000
const HEARTBEAT_MS = 500
const TENANT = 't1'

/** A "dies": its Redis connections are cut and its timers (heartbeat, clearing wills) stop, as in a killed process. */
async function die(aedes: unknown, backends: BrokerBackends | undefined): Promise<void> {
  const timers = aedes as { _heartbeatInterval: NodeJS.Timeout; _clearWillInterval: NodeJS.Timeout }
  clearInterval(timers._heartbeatInterval)
  clearInterval(timers._clearWillInterval)
  await backends?.close?.()
}

/** Brokers A and B on one Redis (short heartbeat), a `connect` for the devices `moved` and `gone` (with their
 * presence will), and the presence messages an integrator on B hears. */
async function twoInstances(t: ExecutionContext) {
  const redis = await startRedis(t)
  const settings = { ...socketSettings(redis), heartbeatMs: HEARTBEAT_MS }
  const log = silentLogger()
  const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
  let backendsOfA: BrokerBackends | undefined
  const factory = redisBackends(settings, { log, startupTimeoutMs: WAIT_MS })
  const a = await startTestBroker(t, {
    credentials,
    log,
    backends: async () => (backendsOfA = await factory()),
  })
  const b = await startTestBroker(t, {
    credentials,
    log,
    backends: redisBackends(settings, { log, startupTimeoutMs: WAIT_MS }),
  })
  const devices = await Promise.all(['moved', 'gone'].map((hostId) => a.addDevice(TENANT, hostId)))
  const connect = async (url: string, hostId: string, online: boolean): Promise<MqttClient> => {
    const topic = buildTopic({ tenantId: TENANT, hostId, leaf: 'presence' })
    const presence = (state: boolean) =>
      JSON.stringify({ ...JSON.parse(contractPayload(topic, 'test')), online: state })
    const credential = devices[hostId === 'moved' ? 0 : 1] as { username: string; password: string }
    const client = await mqtt.connectAsync(url, {
      ...credential,
      clientId: agentClientId({ tenantId: TENANT, hostId }),
      will: { topic, payload: Buffer.from(presence(false)), qos: 1, retain: true },
      reconnectPeriod: 0,
      connectTimeout: WAIT_MS,
    })
    t.teardown(() => client.endAsync(true))
    if (online) await client.publishAsync(topic, presence(true), { qos: 1, retain: true })
    return client
  }
  const integrator = await b.addIntegrator(TENANT)
  const asIntegrator = (purpose: string) => ({
    ...integrator,
    clientId: testClientId(integrator.username, purpose),
    reconnectPeriod: 0,
  })
  const reader = await mqtt.connectAsync(b.url, asIntegrator('reader'))
  t.teardown(() => reader.endAsync(true))
  const heard: Array<{ hostId: string; online: boolean; retained: boolean }> = []
  reader.on('message', (topic, payload, packet) => {
    const { online } = JSON.parse(payload.toString('utf8')) as { online: boolean }
    heard.push({ hostId: topic.split('/')[3] ?? '', online, retained: packet.retain })
  })
  await reader.subscribeAsync(`amt/v1/${TENANT}/+/presence`, { qos: 1 })
  return { redis, a, b, connect, heard, asIntegrator, closeA: () => die(a.broker.aedes, backendsOfA) }
}

test("a dead instance's wills: the moved device's is dropped at its connect, the gone device's is published", async (t) => {
  t.timeout(4 * WAIT_MS)
  const { redis, a, b, connect, heard, asIntegrator, closeA } = await twoInstances(t)

  await connect(a.url, 'moved', true)
  await connect(a.url, 'gone', true)
  const keys = new Redis({ path: redis.socketPath })
  t.teardown(() => keys.disconnect())
  t.is((await keys.lrange('will', 0, -1)).filter((key) => key.includes(a.broker.aedes.id)).length, 2)

  // A dies: no heartbeat, no cleanup; the moved device reconnects to B and says it is online there.
  await closeA()
  // A dead process publishes nothing more: the wills A holds in memory go with it (else, at teardown, A would publish
  // them on a closed Redis connection, which aedes-persistence-redis leaves as an unhandled rejection).
  const clientsOfA = (a.broker.aedes as unknown as { clients: Record<string, { will: unknown }> }).clients
  for (const client of Object.values(clientsOfA)) client.will = null
  await connect(b.url, 'moved', true)
  await pollUntil(
    () => heard.some((message) => message.hostId === 'gone' && !message.online) || JSON.stringify(heard),
    "the gone device's will, published by B once A is dead",
    WAIT_MS,
  )
  await pollUntil(
    async () => (await keys.lrange('will', 0, -1)).every((key) => !key.includes(a.broker.aedes.id)) || 'A has wills',
    'every will of A cleared',
    WAIT_MS,
  )
  t.deepEqual(
    heard.filter((message) => message.hostId === 'moved' && !message.online),
    [],
    'the moved device was never said offline',
  )
  const retained = await mqtt.connectAsync(b.url, asIntegrator('retained'))
  t.teardown(() => retained.endAsync(true))
  const last = new Map<string, boolean>()
  retained.on('message', (topic, payload) => {
    last.set(topic.split('/')[3] ?? '', (JSON.parse(payload.toString('utf8')) as { online: boolean }).online)
  })
  await retained.subscribeAsync(`amt/v1/${TENANT}/+/presence`, { qos: 1 })
  await pollUntil(() => last.size === 2 || `${last.size} retained`, 'both retained presences', WAIT_MS)
  t.deepEqual(Object.fromEntries(last), { moved: true, gone: false })
})

test("a takeover across instances: the old connection's will is not published (the client is connected)", async (t) => {
  t.timeout(4 * WAIT_MS)
  const { a, b, connect, heard } = await twoInstances(t)
  const old = await connect(a.url, 'moved', true)
  const closed = new Promise<void>((resolve) => old.once('close', () => resolve()))
  await connect(b.url, 'moved', true)
  await closed
  // A's publications reach B in order (one Redis connection): once this one arrives, A's will would have.
  await connect(a.url, 'gone', true)
  await pollUntil(() => heard.some((message) => message.hostId === 'gone') || 'not yet', "gone's birth", WAIT_MS)
  t.deepEqual(
    heard.filter((message) => message.hostId === 'moved').map((message) => message.online),
    [true, true],
  )
})
