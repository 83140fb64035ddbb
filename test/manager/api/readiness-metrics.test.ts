import test from 'ava'
import { Registry } from 'prom-client'
import { readinessMetrics, type ReadinessCheck } from '../../../manager/api/readiness.ts'
import { metricSum, parseMetrics } from '../../helpers/metrics-text.ts'

test('amt_manager_ready follows /readyz at every scrape; amt_manager_readiness_check says which check fails', async (t) => {
  let bus: ReadinessCheck = { name: 'bus', ok: true }
  let runs = 0
  const registry = new Registry()
  readinessMetrics(registry, () => {
    runs++
    return Promise.resolve([{ name: 'inventory', ok: true }, bus])
  })
  const scrape = async () => parseMetrics(await registry.metrics())
  const ready = await scrape()
  t.is(metricSum(ready, 'amt_manager_ready'), 1)
  t.is(metricSum(ready, 'amt_manager_readiness_check', { check: 'bus' }), 1)
  t.is(runs, 1, 'one run of the checks per scrape')

  bus = { name: 'bus', ok: false, detail: 'not connected to the broker' }
  const unready = await scrape()
  t.is(metricSum(unready, 'amt_manager_ready'), 0)
  t.is(metricSum(unready, 'amt_manager_readiness_check', { check: 'bus' }), 0)
  t.is(metricSum(unready, 'amt_manager_readiness_check', { check: 'inventory' }), 1)
})
