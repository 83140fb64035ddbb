import test, { type ExecutionContext } from 'ava'
import { MAX_EVENT_DETAIL_CHARS } from '../../../manager/core/reducers/event-detail.ts'
import { SCHEMA_VERSION } from '../../../schemas/envelope.ts'
import { buildTopic } from '../../../schemas/index.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { metricValue, TENANT } from '../../helpers/manager-core.ts'
import { connectFakeAgent, eventually, managerReady, startManager } from '../../helpers/manager-mqtt.ts'

const FLOODED = { tenantId: TENANT, hostId: 'h-flood' }
const QUIET = { tenantId: TENANT, hostId: 'h-quiet' }
/** The test budget: 10 events per host, practically no refill while the test runs. */
const BURST = 10

async function setup(t: ExecutionContext) {
  const broker = await startTestBroker(t)
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: TENANT })
  await inventory.createHosts([FLOODED, QUIET])
  const options = { audit: { events: { perMinute: 6e-5, burst: BURST } } }
  const manager = startManager(t, { url: broker.url, credential: await broker.addManager(), inventory, options })
  await managerReady(manager)
  return { broker, inventory, manager }
}

const event = (n: number) => ({ kind: 'rpc.started' as const, message: `attempt ${n}`, generation: 1, detail: { n } })

test('events of one host over three connections are bounded by one per-host budget; another host is unaffected', async (t) => {
  const { broker, inventory, manager } = await setup(t)
  const device = await broker.addDevice(FLOODED.tenantId, FLOODED.hostId)
  const connections = await Promise.all([1, 2, 3].map(() => connectFakeAgent(t, broker, FLOODED, device)))
  const quiet = await connectFakeAgent(t, broker, QUIET)
  const sent = connections.flatMap((agent, c) =>
    Array.from({ length: 20 }, (_, i) => agent.send('events', event(c * 100 + i))),
  )
  await Promise.all([...sent, ...[1, 2, 3].map((n) => quiet.send('events', event(n)))])
  await eventually(
    async () => (await metricValue(manager.metrics.messages, { leaf: 'events' })) >= 63,
    'every event at the manager',
  )
  await manager.core.idle()

  const stored = await inventory.listAudit(TENANT, { hostId: FLOODED.hostId, limit: 1000 })
  t.is(stored.length, BURST, 'one budget across all connections of the host')
  t.is(await metricValue(manager.metrics.budgetDrops, { leaf: 'events' }), 60 - BURST)
  t.is(await metricValue(manager.metrics.rejections, { reason: 'rate-limited' }), 60 - BURST)
  t.is((await inventory.listAudit(TENANT, { hostId: QUIET.hostId })).length, 3, 'the other host keeps its budget')
})

test('an oversize event is stored compact and bounded; one with too many facts is rejected by the schema', async (t) => {
  const { broker, inventory, manager } = await setup(t)
  const agent = await connectFakeAgent(t, broker, FLOODED)
  const big = Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [`k${String(i).padStart(62, '0')}`, 'x'.repeat(1024)]),
  )
  await agent.send('events', { kind: 'rpc.failed', message: 'm'.repeat(1024), generation: 1, detail: big })
  // The encoder refuses it: published raw, as a hostile device would.
  const envelope = {
    v: SCHEMA_VERSION,
    ts: new Date().toISOString(),
    hostId: FLOODED.hostId,
    bootId: agent.messages.bootId,
    seq: 1000,
  }
  const tooMany = { ...envelope, kind: 'rpc.failed', message: 'too many', detail: { ...big, k: 1 } }
  await agent.client.publishAsync(buildTopic({ ...FLOODED, leaf: 'events' }), JSON.stringify(tooMany), { qos: 1 })
  await agent.send('events', { kind: 'rpc.finished', message: 'small', generation: 1, detail: { code: 0 } })
  await eventually(
    async () => (await metricValue(manager.metrics.messages, { leaf: 'events' })) >= 3,
    'every event at the manager',
  )
  await manager.core.idle()

  const [small, bounded, ...rest] = await inventory.listAudit(TENANT, { hostId: FLOODED.hostId })
  t.is(rest.length, 0)
  t.is(await metricValue(manager.metrics.rejections, { reason: 'schema' }), 1)
  t.deepEqual(small?.detail, {
    message: 'small',
    generation: 1,
    agentTs: (small?.detail as { agentTs: string }).agentTs,
    detail: { code: 0 },
  })
  t.like(small, { kind: 'agent.rpc.finished', class: 'activity' })
  const text = JSON.stringify(bounded?.detail)
  t.true(text.length <= MAX_EVENT_DETAIL_CHARS, `${text.length} characters stored`)
  t.like(bounded?.detail, { generation: 1 })
  t.true((bounded?.detail as { truncated: number }).truncated > 16 * 1024, 'says the size it had')
  t.true((bounded?.detail as { message: string }).message.endsWith('…'))
})
