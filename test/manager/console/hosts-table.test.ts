import test from 'ava'
import { startApi } from '../api/api-harness.ts'
import { seedFleet, TENANT } from './fleet-fixture.ts'

const rowIds = (html: string): string[] =>
  [...html.matchAll(/<tr data-host-id="([^"]+)"/g)].map((match) => match[1] ?? '')
const rangeOf = (html: string): string | undefined => /data-testid="page-range">([^<]*)</.exec(html)?.[1]
const linkOf = (html: string, testId: string): string | undefined =>
  new RegExp(`<a href="([^"]+)"[^>]*data-testid="${testId}"`).exec(html)?.[1]?.replaceAll('&amp;', '&')
const rowOf = (html: string, hostId: string): string =>
  new RegExp(`<tr data-host-id="${hostId}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? ''

async function fleetApi(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t, { console: true })
  await seedFleet(api.inventory)
  return api
}

test('the table lists every host by id; filters as the API names them narrow the rows', async (t) => {
  const api = await fleetApi(t)
  const token = await api.token('viewer', TENANT)
  const get = async (query: string) =>
    (await api.request('GET', `/console/tenants/${TENANT}/hosts${query}`, { token })).text
  const all = await get('')
  t.deepEqual(rowIds(all), ['a1', 'd1', 'f1', 'i1', 'n1', 'p1', 'u1'])
  t.is(rangeOf(all), '1–7 of 7')
  t.regex(all, /<caption>Hosts of acme: 1–7 of 7<\/caption>/)
  t.regex(all, /<th scope="row"><a href="\/console\/tenants\/acme\/hosts\/p1">p1<\/a><\/th><td>node-p1<\/td>/)
  t.deepEqual(rowIds(await get('?condition=FAILED')), ['f1'])
  t.deepEqual(rowIds(await get('?capability=AMT')), ['a1', 'f1', 'p1'])
  t.deepEqual(rowIds(await get('?capability=UNKNOWN')), ['d1', 'u1'])
  t.deepEqual(rowIds(await get('?online=false')), ['d1', 'f1', 'u1'])
  t.deepEqual(rowIds(await get('?sku=ISM')), ['i1'])
  t.deepEqual(rowIds(await get('?phase=ACTIVATING')), ['a1'])
  t.deepEqual(rowIds(await get('?search=NODE-P')), ['p1'], 'search ignores case and reads names too')
  t.deepEqual(rowIds(await get('?capability=AMT&online=true')), ['a1', 'p1'])
  const none = await get('?condition=DEACTIVATING')
  t.deepEqual(rowIds(none), [])
  t.regex(none, /data-testid="no-hosts">No host matches\./)
  t.is(rangeOf(none), '0 of 0')
  const form = await get('?condition=FAILED&search=f&online=false')
  t.regex(form, /<form class="host-filters" method="get" action="\/console\/tenants\/acme\/hosts" role="search"/)
  t.regex(form, /<label for="filter-condition">AMT state<\/label><select id="filter-condition" name="condition"/)
  t.regex(form, /<option value="FAILED" selected>Failed<\/option>/)
  t.regex(form, /<option value="false" selected>offline<\/option>/)
  t.regex(form, /<input id="filter-search" name="search" type="search" value="f"/)
  t.regex(form, /\?condition=FAILED&amp;online=false&amp;search=f&amp;sort=-hostId" data-testid="sort-hostId"/)
  t.is(rangeOf(await get('?condition=&sku=&search=')), '1–7 of 7', "a form's empty selects are no filter")
  const bad = await api.request('GET', `/console/tenants/${TENANT}/hosts?condition=BROKEN`, { token })
  t.is(bad.status, 400)
  t.regex(bad.text, /invalid hosts query: condition/)
})

test('column headers sort (a second click reverses), and aria-sort says which', async (t) => {
  const api = await fleetApi(t)
  const token = await api.token('viewer', TENANT)
  const get = async (query: string) =>
    (await api.request('GET', `/console/tenants/${TENANT}/hosts${query}`, { token })).text
  const first = await get('')
  t.regex(first, /<th scope="col" aria-sort="ascending"><a href="\/console\/tenants\/acme\/hosts\?sort=-hostId"/)
  const descending = await get(linkOf(first, 'sort-hostId')?.replace(/^[^?]*/, '') ?? '')
  t.deepEqual(rowIds(descending), ['u1', 'p1', 'n1', 'i1', 'f1', 'd1', 'a1'])
  t.regex(descending, /aria-sort="descending"/)
  const byCondition = rowIds(await get('?sort=condition'))
  t.deepEqual(byCondition.slice(0, 2), ['a1', 'f1'], 'ACTIVATING, FAILED, NOT_SUPPORTED, PENDING_DELETION, …')
  t.deepEqual(
    rowIds(await get('?sort=-online')).slice(0, 4),
    ['p1', 'n1', 'i1', 'a1'],
    'online first; ties by id, also descending',
  )
})

test('paging: "1–2 of 7", next and previous links carry the filter and the sort', async (t) => {
  const api = await fleetApi(t)
  const token = await api.token('viewer', TENANT)
  const get = async (url: string) => (await api.request('GET', url, { token })).text
  for (const query of ['?limit=2', '?limit=2&sort=-name']) {
    const seen: string[] = []
    let page = await get(`/console/tenants/${TENANT}/hosts${query}`)
    t.is(rangeOf(page), '1–2 of 7')
    t.is(linkOf(page, 'page-previous'), undefined, 'no previous on the first page')
    const ranges = []
    for (;;) {
      seen.push(...rowIds(page))
      ranges.push(rangeOf(page))
      const next = linkOf(page, 'page-next')
      if (next === undefined) break
      page = await get(next)
    }
    t.deepEqual(ranges, ['1–2 of 7', '3–4 of 7', '5–6 of 7', '7–7 of 7'], query)
    t.is(new Set(seen).size, 7)
    const previous = linkOf(page, 'page-previous')
    t.truthy(previous)
    const back = await get(previous ?? '')
    t.is(rangeOf(back), '5–6 of 7')
    t.deepEqual(rowIds(back), seen.slice(4, 6))
    if (query.includes('sort')) t.regex(previous ?? '', /sort=-name/)
  }
  const filtered = await get(`/console/tenants/${TENANT}/hosts?capability=AMT&limit=2`)
  t.is(rangeOf(filtered), '1–2 of 3')
  t.regex(linkOf(filtered, 'page-next') ?? '', /capability=AMT&limit=2&cursor=/)
})

test('the AMT state shows NOT_SUPPORTED with its reason, apart from FAILED with the rpc error name', async (t) => {
  const api = await fleetApi(t)
  const token = await api.token('viewer', TENANT)
  const page = (await api.request('GET', `/console/tenants/${TENANT}/hosts`, { token })).text
  const notSupported = rowOf(page, 'n1')
  t.regex(notSupported, /data-condition="NOT_SUPPORTED"/)
  t.regex(notSupported, /<span class="condition state-na">Not supported<\/span>/)
  t.regex(notSupported, /data-testid="status-reason">no Intel ME device \(\/dev\/mei0 missing\)</)
  t.regex(notSupported, /data-testid="capability">None \(not capable\)</)
  const failed = rowOf(page, 'f1')
  t.regex(failed, /<span class="condition state-bad">Failed<\/span>/)
  t.regex(failed, /data-testid="status-text">AMT Activation Failed</)
  t.regex(failed, /<code data-testid="rpc-error">LMSConnectionFailed<\/code> LMS is not running/)
  t.regex(failed, /data-testid="generation">0 \/ 1<span class="muted"> \(behind\)/)
  const provisioned = rowOf(page, 'p1')
  t.regex(provisioned, /data-testid="capability">AMT<span class="muted"> · AMT 16\.1\.27<\/span>/)
  t.regex(provisioned, /<time datetime="2026-01-02T10:00:00.000Z">2026-01-02 10:00:00 UTC<\/time>/)
  t.regex(provisioned, /<td class="state-ok">Online<\/td>/)
})

test('a viewer gets no checkbox and no action; an operator gets both, and the row fragment matches', async (t) => {
  const api = await fleetApi(t)
  const viewer = await api.token('viewer', TENANT)
  const operator = await api.token('operator', TENANT)
  const seen = (await api.request('GET', `/console/tenants/${TENANT}/hosts`, { token: viewer })).text
  t.notRegex(seen, /<input type="checkbox"/)
  t.notRegex(seen, /<button[^>]*data-testid="bulk-activate"/)
  t.notRegex(seen, /data-bulk-activate/)
  t.notRegex(seen, /<button(?![^>]*data-testid="filter-apply")/, 'the filter form is the only button')
  const acting = (await api.request('GET', `/console/tenants/${TENANT}/hosts?online=true`, { token: operator })).text
  t.regex(acting, /<form id="bulk-form" class="bulk" [^>]*data-bulk-activate="\/api\/v1\/tenants\/acme\/amt\/bulk"/)
  t.regex(acting, /data-bulk-filter="{&quot;online&quot;:true}"/)
  t.regex(acting, /all 4 hosts matching the filter/)
  t.regex(acting, /<input type="checkbox" aria-label="Select all hosts on this page" data-bulk-page/)
  t.regex(acting, /<input type="checkbox" name="hostId" value="p1" form="bulk-form" aria-label="Select p1"/)
  t.regex(acting, /<p role="status" aria-live="polite" data-bulk-message="true" data-testid="bulk-message"><\/p>/)

  const row = await api.request('GET', `/console/tenants/${TENANT}/hosts/f1/row`, { token: viewer })
  t.is(row.status, 200)
  t.regex(row.text, /^<tr data-host-id="f1" data-row-url="\/console\/tenants\/acme\/hosts\/f1\/row"/)
  t.is(row.text, rowOf(seen, 'f1'), 'the fragment is the row the page rendered')
  t.notRegex(row.text, /<input/)
  const operatorRow = await api.request('GET', `/console/tenants/${TENANT}/hosts/f1/row`, { token: operator })
  t.regex(operatorRow.text, /<input type="checkbox" name="hostId" value="f1"/)
  t.is((await api.request('GET', `/console/tenants/${TENANT}/hosts/nope/row`, { token: viewer })).status, 404)
})

test('the bulk call the page makes activates the selection, and the progress fragment counts the wave', async (t) => {
  const api = await fleetApi(t)
  const operator = await api.token('operator', TENANT)
  const viewer = await api.token('viewer', TENANT)
  const progress = async () =>
    (await api.request('GET', `/console/tenants/${TENANT}/progress`, { token: operator })).text
  t.regex(await progress(), /data-testid="wave-targeted">3</)
  const body = { desiredAmtState: 'PROVISIONED', amtControlMode: 'ACM', hostIds: ['i1', 'u1'] }
  const refused = await api.request('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, { token: viewer, body })
  t.is(refused.status, 403, 'a forged call from a viewer is refused by the API')
  const answer = await api.request('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, { token: operator, body })
  t.is(answer.status, 200)
  t.is(answer.json['count'], 2)
  const after = await progress()
  t.regex(after, /data-testid="wave-targeted">5</)
  t.regex(after, /data-testid="wave-under-way">3</)
  const rows = (await api.request('GET', `/console/tenants/${TENANT}/hosts?condition=ACTIVATING`, { token: operator }))
    .text
  t.deepEqual(rowIds(rows), ['a1', 'i1', 'u1'])
  t.regex(rowOf(rows, 'i1'), /<td>ACM<div class="muted">AMT reports PRE_PROVISIONING<\/div><\/td>/)
})

test('the label filter: conditions as the API reads them (one field, spaces), kept in links; the bulk filter sends them', async (t) => {
  const api = await fleetApi(t)
  const labels: [string, Record<string, string>][] = [
    ['a1', { site: 'berlin' }],
    ['p1', { site: 'berlin', rack: '7' }],
    ['f1', { site: 'paris', rack: '7' }],
  ]
  for (const [hostId, set] of labels) await api.inventory.updateHost({ tenantId: TENANT, hostId }, { labels: set })
  const operator = await api.token('operator', TENANT)
  const get = async (query: string) =>
    (await api.request('GET', `/console/tenants/${TENANT}/hosts${query}`, { token: operator })).text
  t.deepEqual(rowIds(await get('?label=site=berlin')), ['a1', 'p1'])
  t.deepEqual(rowIds(await get('?label=rack')), ['f1', 'p1'])
  t.deepEqual(rowIds(await get('?label=site%3Dberlin&label=rack')), ['p1'], 'repeated, as the API')
  t.deepEqual(rowIds(await get('?label=site%3Dberlin+rack')), ['p1'], "the form's one field, space-separated")
  t.deepEqual(rowIds(await get('?label=site%3Dberlin%2Crack')), ['p1'], 'or comma-separated')
  t.deepEqual(rowIds(await get('?label=')), ['a1', 'd1', 'f1', 'i1', 'n1', 'p1', 'u1'], 'empty: no filter')
  const page = await get('?label=site%3Dberlin+rack&online=true&limit=25')
  t.regex(page, /<input id="filter-label" name="label" type="text" value="site=berlin rack"/)
  t.regex(
    page,
    /data-bulk-filter="{&quot;online&quot;:true,&quot;label&quot;:\[&quot;site=berlin&quot;,&quot;rack&quot;\]}"/,
  )
  t.regex(page, /all 1 hosts matching the filter/)
  t.regex(
    page,
    /\?online=true&amp;label=site%3Dberlin&amp;label=rack&amp;sort=-hostId&amp;limit=25" data-testid="sort-hostId"/,
  )
  const bad = await api.request('GET', `/console/tenants/${TENANT}/hosts?label=site%3Dbad%21`, { token: operator })
  t.is(bad.status, 400)
  t.regex(bad.text, /invalid hosts query: label: label &quot;site&quot;: the value must be/)

  const body = { desiredAmtState: 'PROVISIONED', filter: { label: ['site=berlin', 'rack'] } }
  const answer = await api.request('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, { token: operator, body })
  t.deepEqual(
    (answer.json.hosts as { hostId: string }[]).map((host) => host.hostId),
    ['p1'],
  )
})
