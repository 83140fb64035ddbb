import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { silentLogger } from '../../../lib/log.ts'
import { attachCore } from '../../../manager/bus/attach.ts'
import { createManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { AgentMessages, metricValue, seedHost, TENANT } from '../../helpers/manager-core.ts'
import { startMosquitto } from '../../helpers/mosquitto.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { sharedDataDir, startReplica, type Replica } from './replica-pair.ts'

// Two manager replicas (own MQTT connection, own core) on one real Mosquitto 2 and one shared SQLite file, and a
// few dozen devices publishing state reports (QoS 1). With `sharedGroup` each message reaches ONE replica; without
// it (a broker without shared subscriptions behaves the same) every replica gets every message and the seq +
// version check store each report once (docs/replicas.md).

const DEVICES = 30
const REPORTS = 8
const WAIT_MS = 60_000
const phases = ['UNPROVISIONED', 'ACTIVATING'] as const

async function replicas(
  t: ExecutionContext,
  sharedGroup?: string,
  before: (url: string) => Promise<void> = () => Promise.resolve(),
) {
  const broker = await startMosquitto(t)
  await before(broker.url)
  const dataDir = await sharedDataDir(t)
  const started: Replica[] = []
  for (const name of ['replica-a', 'replica-b']) {
    const log = silentLogger()
    const bus = createManagerBus({
      url: broker.url,
      clientId: `amt-manager-${name}`,
      ...(sharedGroup === undefined ? {} : { sharedGroup }),
      reconnectPeriodMs: 100,
      connectTimeoutMs: 30_000,
      probe: { intervalMs: 1000, timeoutMs: 20_000 },
      log,
    })
    const replica = await startReplica(t, dataDir, bus)
    if (started.length === 0)
      for (let index = 0; index < DEVICES; index++) await seedHost(replica.inventory, `node-${index}`)
    attachCore(bus, replica.core, { log, metrics: replica.metrics })
    t.teardown(() => bus.close(true))
    started.push(replica)
    await pollUntil(() => bus.health().ok || JSON.stringify(bus.health()), `${name} subscribed and probed`, WAIT_MS)
  }
  return { broker, replicas: started }
}

/** Each device publishes REPORTS state reports (QoS 1, one after the other), phases alternating: each is audited. */
async function publishFleet(t: ExecutionContext, url: string): Promise<void> {
  await Promise.all(
    Array.from({ length: DEVICES }, async (_, index) => {
      const key = { tenantId: TENANT, hostId: `node-${index}` }
      const client = await mqtt.connectAsync(url, { clientId: `dev-${index}`, reconnectPeriod: 0 })
      t.teardown(() => client.endAsync(true))
      const agent = new AgentMessages(key)
      for (let report = 0; report < REPORTS; report++) {
        const body = { phase: phases[report % 2] ?? 'UNPROVISIONED', observedGeneration: 0, remoteStatus: null }
        const { topic, payload } = agent.encode('state', { ...body, controlMode: 'PRE_PROVISIONING' })
        await client.publishAsync(topic, payload, { qos: 1, retain: true })
      }
    }),
  )
}

async function stateMessages(replica: Replica): Promise<number> {
  return metricValue(replica.metrics.messages, { leaf: 'state' })
}

/** Every host's last report stored; returns the state audit events of all hosts. */
async function settled(replica: Replica): Promise<number> {
  let audited = 0
  await pollUntil(
    async () => {
      const page = await replica.inventory.listHosts({ limit: 100 })
      const behind = page.hosts.filter((host) => host.lastSeq.state !== REPORTS - 1).length
      return behind === 0 || `${behind} hosts behind`
    },
    'every last report stored',
    WAIT_MS,
  )
  const audit = await replica.inventory.listAudit(TENANT, { limit: 1000 })
  audited = audit.filter((event) => event.kind === 'state').length
  return audited
}

test('shared subscription: each report reaches one replica; each is stored once or dropped as stale', async (t) => {
  const { broker, replicas: [a, b] = [] } = await replicas(t, 'managers')
  if (a === undefined || b === undefined) throw new Error('two replicas')
  await publishFleet(t, broker.url)
  const audited = await settled(a)
  const published = DEVICES * REPORTS
  await pollUntil(
    async () => (await stateMessages(a)) + (await stateMessages(b)) >= published || 'in flight',
    'every report dispatched',
    WAIT_MS,
  )
  const [byA, byB] = [await stateMessages(a), await stateMessages(b)]
  t.is(byA + byB, published, 'each message delivered to exactly one replica')
  t.true(byA > 0 && byB > 0, `both replicas worked (${byA} + ${byB})`)
  const stale =
    (await metricValue(a.metrics.rejections, { reason: 'stale' })) +
    (await metricValue(b.metrics.rejections, { reason: 'stale' }))
  const duplicate =
    (await metricValue(a.metrics.rejections, { reason: 'duplicate' })) +
    (await metricValue(b.metrics.rejections, { reason: 'duplicate' }))
  t.is(duplicate, 0, 'nothing processed twice')
  t.true(audited <= published && audited + stale >= published, `${audited} stored, ${stale} stale of ${published}`)
  t.log(`A ${byA}, B ${byB} messages; ${audited} state audit events; ${stale} dropped as stale (overtaken)`)
})

test('no shared subscription: every replica gets every report, each is stored and audited exactly once', async (t) => {
  const { broker, replicas: [a, b] = [] } = await replicas(t)
  if (a === undefined || b === undefined) throw new Error('two replicas')
  await publishFleet(t, broker.url)
  const published = DEVICES * REPORTS
  await pollUntil(
    async () => ((await stateMessages(a)) >= published && (await stateMessages(b)) >= published) || 'in flight',
    'every report at both replicas',
    WAIT_MS,
  )
  await Promise.all([a.core.idle(), b.core.idle()])
  const audited = await settled(a)
  t.is(audited, published, 'each report audited once although both replicas processed it')
  let dropped = 0
  for (const replica of [a, b])
    for (const reason of ['duplicate', 'stale']) dropped += await metricValue(replica.metrics.rejections, { reason })
  // The replica that lost a race re-read the host: the same seq (duplicate) or a later one already stored (stale).
  t.is(dropped, published, 'every report dropped once, by the replica that lost its race')
})

test('shared subscription: what devices retained while no replica was connected is caught up at connect', async (t) => {
  const retained = async (url: string): Promise<void> => {
    const client = await mqtt.connectAsync(url, { clientId: 'dev-early', reconnectPeriod: 0 })
    t.teardown(() => client.endAsync(true))
    const agent = new AgentMessages({ tenantId: TENANT, hostId: 'node-0' })
    const body = { phase: 'ACTIVATING' as const, observedGeneration: 0, remoteStatus: null }
    const { topic, payload } = agent.encode('state', { ...body, controlMode: 'PRE_PROVISIONING' }, 7)
    await client.publishAsync(topic, payload, { qos: 1, retain: true })
  }
  const { replicas: [a, b] = [] } = await replicas(t, 'managers', retained)
  if (a === undefined || b === undefined) throw new Error('two replicas')
  await pollUntil(
    async () => (await a.inventory.getHost({ tenantId: TENANT, hostId: 'node-0' })).lastSeq.state === 7 || 'not yet',
    'the retained report stored',
    WAIT_MS,
  )
  t.is((await a.inventory.getHost({ tenantId: TENANT, hostId: 'node-0' })).phase, 'ACTIVATING')
  // Each replica's catch-up replays it once (a plain subscription, dropped at once): one stores, one drops it.
  await pollUntil(
    async () => (await stateMessages(a)) + (await stateMessages(b)) >= 2 || 'replays in flight',
    'both catch-ups',
    WAIT_MS,
  )
  await Promise.all([a.core.idle(), b.core.idle()])
  t.is((await stateMessages(a)) + (await stateMessages(b)), 2, 'one replay per replica, none through the share')
  const audit = await a.inventory.listAudit(TENANT, { hostId: 'node-0', limit: 10 })
  t.is(audit.filter((event) => event.kind === 'state').length, 1)
})
