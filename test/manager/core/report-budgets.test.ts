import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createReportBudgets } from '../../../manager/core/report-budgets.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { metricValue } from '../../helpers/manager-core.ts'

const HOST = { tenantId: 'acme', hostId: 'h-1' }

test("budgets: a rate in config units (perMinute) refills the host's bucket at perMinute / 60 a second", async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const metrics = createManagerMetrics(inventory)
  let now = 0
  const rates = { events: { perMinute: 120, burst: 1 } }
  const admit = createReportBudgets(rates, { metrics, log: silentLogger(), now: () => now })
  t.true(admit(HOST, 'events'), 'the burst')
  t.false(admit(HOST, 'events'), 'then empty')
  now = 400
  t.false(admit(HOST, 'events'), '120 a minute: not yet a token after 400 ms')
  now = 500
  t.true(admit(HOST, 'events'), 'one token after 500 ms')
  t.true(admit({ ...HOST, hostId: 'h-2' }, 'events'), 'another host has its own bucket')
  t.true(admit(HOST, 'state'), 'reports without a budget pass')
  t.is(await metricValue(metrics.budgetDrops, { leaf: 'events' }), 2)
})

test('budgets: secret/req has its own rate', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const metrics = createManagerMetrics(inventory)
  let now = 0
  const rates = { events: { perMinute: 60, burst: 1 }, secretRequests: { perMinute: 4, burst: 1 } }
  const admit = createReportBudgets(rates, { metrics, log: silentLogger(), now: () => now })
  t.true(admit(HOST, 'secret/req'))
  now = 14_000
  t.false(admit(HOST, 'secret/req'), '4 a minute: one every 15 s')
  now = 29_000
  t.true(admit(HOST, 'secret/req'))
})
