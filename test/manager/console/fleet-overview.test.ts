import test from 'ava'
import { startApi } from '../api/api-harness.ts'
import { seedFleet, TENANT } from './fleet-fixture.ts'

/** The number shown in the element with this data-testid (a count card or a wave number). */
function countOf(html: string, testId: string): number | null {
  const card = new RegExp(`data-testid="${testId}"[^>]*>(?:<div class="count">)?(\\d+)<`).exec(html)
  return card?.[1] === undefined ? null : Number(card[1])
}

test('the overview counts hosts by capability, by AMT state and by presence, each linking to the filtered table', async (t) => {
  const api = await startApi(t, { console: true })
  await seedFleet(api.inventory)
  const token = await api.token('viewer', TENANT)
  const page = await api.request('GET', `/console/tenants/${TENANT}`, { token })
  t.is(page.status, 200)
  const expected: Record<string, number> = {
    'count-total': 7,
    'count-online': 4,
    'count-offline': 3,
    'count-capability-AMT': 3,
    'count-capability-ISM': 1,
    'count-capability-NONE': 1,
    'count-capability-UNKNOWN': 2,
    'count-condition-PROVISIONED': 1,
    'count-condition-ACTIVATING': 1,
    'count-condition-DEACTIVATING': 0,
    'count-condition-FAILED': 1,
    'count-condition-NOT_SUPPORTED': 1,
    'count-condition-UNPROVISIONED': 2,
    'count-condition-PENDING_DELETION': 1,
  }
  for (const [testId, count] of Object.entries(expected)) t.is(countOf(page.text, testId), count, testId)
  t.regex(
    page.text,
    /href="\/console\/tenants\/acme\/hosts\?condition=NOT_SUPPORTED" data-testid="count-condition-NOT_SUPPORTED"/,
  )
  t.regex(page.text, /href="\/console\/tenants\/acme\/hosts\?capability=ISM" data-testid="count-capability-ISM"/)
  t.regex(page.text, /href="\/console\/tenants\/acme\/hosts\?online=false" data-testid="count-offline"/)
  t.regex(page.text, /data-live-counts="\/console\/tenants\/acme\/counts" data-tenant-id="acme"/)
  t.is(countOf(page.text, 'wave-targeted'), 3, 'p1, a1, f1 are asked to be PROVISIONED')
  t.is(countOf(page.text, 'wave-done'), 1)
  t.is(countOf(page.text, 'wave-failed'), 1)
  t.is(countOf(page.text, 'wave-under-way'), 1)
  t.regex(page.text, /<svg class="wave-chart"[^>]*role="img"[^>]*data-testid="wave-chart" data-samples="1"/)
  t.regex(
    page.text,
    /<polyline class="chart-line chart-done" points="550\.0,94\.7 596\.0,94\.7"/,
    'the one sample (taken now) as a flat line to now: 1 of 3 done',
  )
  t.notRegex(page.text, /style=/, 'nothing the CSP would refuse: no inline style attribute')
  t.notRegex(page.text, /<script(?![^>]*src=)/, 'no inline script')
})

test('the counts fragment follows the hosts, and the wave chart gets a sample for each change', async (t) => {
  const api = await startApi(t, { console: true })
  await seedFleet(api.inventory)
  const token = await api.token('operator', TENANT)
  const before = await api.request('GET', `/console/tenants/${TENANT}/counts`, { token })
  t.is(before.status, 200)
  t.regex(before.text, /^<div class="fleet-counts" data-testid="fleet-counts">/, 'a fragment, not a page')
  t.is(countOf(before.text, 'count-condition-PROVISIONED'), 1)
  t.regex(before.text, /data-samples="1"/)

  await api.inventory.updateHost(
    { tenantId: TENANT, hostId: 'a1' },
    { currentState: 'PROVISIONED', phase: 'PROVISIONED', status: 'AMT Activation Done', statusIndicator: 'IDLE' },
  )
  const after = await api.request('GET', `/console/tenants/${TENANT}/counts`, { token })
  t.is(countOf(after.text, 'count-condition-PROVISIONED'), 2)
  t.is(countOf(after.text, 'count-condition-ACTIVATING'), 0)
  t.is(countOf(after.text, 'wave-done'), 2)
  t.regex(after.text, /data-samples="[12]"/, 'a change within the resolution shares the last sample')

  const progress = await api.request('GET', `/console/tenants/${TENANT}/progress`, { token })
  t.regex(progress.text, /^<section class="wave"/)
  t.is(countOf(progress.text, 'wave-targeted'), 3)
  t.is(countOf(progress.text, 'wave-done'), 2)
})

test('an empty tenant shows zeros and an empty chart; an unknown tenant is the 404 page', async (t) => {
  const api = await startApi(t, { console: true })
  await api.inventory.createTenant({ tenantId: 'empty' })
  const token = await api.token('admin', '*')
  const page = await api.request('GET', '/console/tenants/empty', { token })
  t.is(page.status, 200)
  t.is(countOf(page.text, 'count-total'), 0)
  t.is(countOf(page.text, 'wave-targeted'), 0)
  t.regex(page.text, /data-testid="wave-chart" data-samples="1"/)
  const missing = await api.request('GET', '/console/tenants/nobody', { token })
  t.is(missing.status, 404)
  t.is((await api.request('GET', '/console/tenants/nobody/counts', { token })).status, 404)
})
