import test, { type ExecutionContext } from 'ava'
import { seed, startApi } from './api-harness.ts'

type Json = Record<string, unknown>
const ids = (json: Json, key = 'hosts') => (json[key] as { hostId: string }[]).map((host) => host.hostId)

/** Six hosts of acme, four of them labelled; other's h-1 carries the same label (never selected from acme). */
async function labelled(t: ExecutionContext) {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h-1', 'h-2', 'h-3', 'h-4', 'h-5', 'h-6'], other: ['h-1'] })
  const labels: [string, string, Record<string, string>][] = [
    ['acme', 'h-1', { site: 'berlin', rack: '7' }],
    ['acme', 'h-2', { site: 'berlin' }],
    ['acme', 'h-4', { site: 'paris', rack: '7' }],
    ['acme', 'h-6', { 'example.com/model': 'nuc' }],
    ['other', 'h-1', { site: 'berlin' }],
  ]
  for (const [tenantId, hostId, set] of labels) await api.inventory.updateHost({ tenantId, hostId }, { labels: set })
  const operator = await api.token('operator', 'acme')
  const listed = async (query: string) =>
    ids((await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token: operator })).json)
  return { api, operator, listed }
}

test('the bulk filter takes `label` as the host list takes ?label=: the same hosts, written once each', async (t) => {
  const { api, operator, listed } = await labelled(t)
  const bulk = async (filter: Json) => {
    const answer = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
      token: operator,
      body: { desiredAmtState: 'PROVISIONED', filter },
    })
    t.is(answer.status, 200, answer.text)
    return ids(answer.json)
  }
  t.deepEqual(await bulk({ label: ['site=berlin'] }), ['h-1', 'h-2'])
  t.deepEqual(await listed('label=site=berlin'), ['h-1', 'h-2'])
  t.deepEqual(await bulk({ label: 'rack' }), ['h-1', 'h-4'], 'one condition as a string: the key present')
  t.deepEqual(await bulk({ label: ['rack=7', 'site=paris'] }), ['h-4'], 'several: every one holds')
  t.deepEqual(await listed('label=rack%3D7&label=site%3Dparis'), ['h-4'])
  t.deepEqual(await bulk({ label: ['example.com/model=nuc'], online: false }), ['h-6'], 'with the other filters')
  t.deepEqual(await bulk({ label: ['site=rome'] }), [])
  const generations = (await api.inventory.listHosts({})).hosts.map(
    (h) => `${h.tenantId}/${h.hostId}:${h.desiredGeneration}`,
  )
  t.deepEqual(generations, [
    'acme/h-1:2',
    'acme/h-2:1',
    'acme/h-3:0',
    'acme/h-4:2',
    'acme/h-5:0',
    'acme/h-6:1',
    'other/h-1:0',
  ])
})

test('an invalid label condition in a bulk filter is VALIDATION_FAILED naming it, and nothing is written', async (t) => {
  const { api, operator } = await labelled(t)
  for (const label of [['a b'], 'site=bad value', ['Bad.Prefix/x']]) {
    const answer = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
      token: operator,
      body: { desiredAmtState: 'PROVISIONED', filter: { label } },
    })
    t.is(answer.status, 400, answer.text)
    t.is(answer.json.code, 'VALIDATION_FAILED')
    t.regex(answer.json.message as string, /\/filter\/label label/)
  }
  const labels = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token: operator,
    body: { desiredAmtState: 'PROVISIONED', filter: { labels: [{ key: 'site' }] } },
  })
  t.is(labels.json.code, 'VALIDATION_FAILED', 'the Inventory field is not a body field: `label` is')
  t.true((await api.inventory.listHosts({})).hosts.every((host) => host.desiredGeneration === 0))
})

test('a rollout (and a bulk request with `rollout`) by a label filter has the labelled hosts as members', async (t) => {
  const { api, operator } = await labelled(t)
  const controls = { maxConcurrent: 1, maxStartsPerMinute: 60 }
  const created = await api.request('POST', '/api/v1/tenants/acme/rollouts', {
    token: operator,
    body: { desiredAmtState: 'PROVISIONED', filter: { label: ['site=berlin'] }, controls },
  })
  t.is(created.status, 201, created.text)
  t.deepEqual(created.json.target, { filter: { label: ['site=berlin'] } }, 'the target as the body gave it')
  const members = await api.request('GET', `/api/v1/tenants/acme/rollouts/${String(created.json.rolloutId)}/hosts`, {
    token: operator,
  })
  t.deepEqual(ids(members.json), ['h-1', 'h-2'])

  const bulk = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token: operator,
    body: { desiredAmtState: 'UNPROVISIONED', filter: { label: ['rack', 'site=paris'] }, rollout: controls },
  })
  t.is(bulk.status, 202, bulk.text)
  t.like(bulk.json, { target: { filter: { label: ['rack', 'site=paris'] } }, progress: { targeted: 1 } })
  const read = await api.request('GET', `/api/v1/tenants/acme/rollouts/${String(bulk.json.rolloutId)}`, {
    token: operator,
  })
  t.deepEqual(read.json.target, bulk.json.target, 'stored and read back the same')
  const bulkMembers = await api.request('GET', `/api/v1/tenants/acme/rollouts/${String(bulk.json.rolloutId)}/hosts`, {
    token: operator,
  })
  t.deepEqual(ids(bulkMembers.json), ['h-4'])
})
