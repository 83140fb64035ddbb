import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { AuditRetention, type AuditRetentionPolicy } from '../../../manager/core/audit-retention.ts'
import type { AppendAuditInput, Inventory } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { AgentMessages, metricValue, seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'

const NOW = new Date('2026-06-01T00:00:00.000Z')
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString()
const POLICY: AuditRetentionPolicy = { maxAgeDays: 30, maxEventsPerHost: 5, intervalMs: 3_600_000, batchSize: 3 }

function retention(t: ExecutionContext, inventory: Inventory, policy: AuditRetentionPolicy = POLICY, now = () => NOW) {
  const metrics = createManagerMetrics(inventory)
  const pruner = new AuditRetention({ inventory, log: silentLogger(), metrics, now, policy })
  t.teardown(() => pruner.stop())
  return { pruner, metrics }
}

const events = (hostId: string, kind: string, count: number, ts: string): AppendAuditInput[] =>
  Array.from({ length: count }, (_, n) => ({ tenantId: TENANT, hostId, kind, actor: 'agent', ts, detail: { n } }))

test('retention: activity events go by age and by count per host, in batches; security events stay', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.appendAudit([
    ...events('h-old', 'agent.rpc.started', 7, daysAgo(40)),
    ...events('h-old', 'password.read', 2, daysAgo(400)),
    ...events('h-busy', 'agent.rpc.failed', 9, daysAgo(1)),
    ...events('h-busy', 'host.deleted', 1, daysAgo(1)),
    ...events('h-few', 'state', 4, daysAgo(29)),
  ])
  const { pruner, metrics } = retention(t, inventory)
  t.deepEqual(await pruner.prune(), { age: 7, count: 4, securityAge: 0 })
  const left = async (hostId: string, auditClass: 'security' | 'activity') =>
    (await inventory.listAudit(TENANT, { hostId, class: auditClass })).length
  t.is(await left('h-old', 'activity'), 0, 'older than maxAgeDays')
  t.is(await left('h-busy', 'activity'), 5, 'maxEventsPerHost kept')
  t.deepEqual(
    (await inventory.listAudit(TENANT, { hostId: 'h-busy', class: 'activity' })).map(
      (e) => (e.detail as { n: number }).n,
    ),
    [8, 7, 6, 5, 4],
  )
  t.is(await left('h-few', 'activity'), 4)
  t.is(await left('h-old', 'security'), 2, 'security events are not evicted by age of chatter')
  t.is(await left('h-busy', 'security'), 1, 'nor by the count of chatter')
  t.is(await metricValue(metrics.auditPruned, { reason: 'age' }), 7)
  t.is(await metricValue(metrics.auditPruned, { reason: 'count' }), 4)
  t.deepEqual(await pruner.prune(), { age: 0, count: 0, securityAge: 0 }, 'nothing more')

  const withSecurityLimit = retention(t, inventory, { ...POLICY, securityMaxAgeDays: 365 }).pruner
  t.deepEqual(
    await withSecurityLimit.prune(),
    { age: 0, count: 0, securityAge: 2 },
    'securityMaxAgeDays, when set, is their only limit',
  )
})

test('retention: a password read survives a flood of events of its host', async (t) => {
  const options = { audit: { events: { perMinute: 60, burst: 10_000 } } }
  const { core, dispatch, inventory } = await startTestCore(t, { options })
  const host = await seedHost(inventory, 'h-1')
  await inventory.appendAudit([
    { tenantId: TENANT, hostId: 'h-1', kind: 'password.read', actor: 'api:ops', detail: { origin: 'store' } },
  ])
  const agent = new AgentMessages(host)
  await Promise.all(
    Array.from({ length: 300 }, (_, n) => {
      const { topic, payload } = agent.encode('events', { kind: 'rpc.started', message: `flood ${n}`, generation: 1 })
      return dispatch(topic, payload, false)
    }),
  )
  await core.idle()
  t.is((await inventory.listAudit(TENANT, { hostId: 'h-1', limit: 1000 })).length, 301)
  const { pruner } = retention(t, inventory, { ...POLICY, maxEventsPerHost: 20, batchSize: 50 }, () => new Date())
  t.like(await pruner.prune(), { count: 280 })
  const left = await inventory.listAudit(TENANT, { hostId: 'h-1', limit: 1000 })
  t.is(left.length, 21)
  t.like(left.at(-1), { kind: 'password.read', class: 'security' })
})
