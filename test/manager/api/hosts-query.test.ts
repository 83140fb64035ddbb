import test, { type ExecutionContext } from 'ava'
import { startApi } from './api-harness.ts'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { capable, notCapable } from '../../helpers/manager-core.ts'

type Json = Record<string, unknown>
const REPORT = {
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  hostId: 'x',
  bootId: '00000000-0000-4000-8000-000000000000',
  seq: 1,
} as const

/** 30 hosts of tenant acme: AMT / ISM / not capable / unknown, varied states, presence, names and times. */
async function fleet(t: ExecutionContext) {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  await api.inventory.createTenant({ tenantId: 'other' })
  const ids = Array.from({ length: 30 }, (_, i) => `h-${String(i).padStart(2, '0')}`)
  await api.inventory.createHosts(ids.map((hostId, i) => ({ tenantId: 'acme', hostId, name: `Rack${i % 4}_pc` })))
  await api.inventory.createHost({ tenantId: 'other', hostId: 'h-00' })
  const capabilities: HostPatch[] = [
    { sku: 'AMT', capability: { ...REPORT, ...capable('AMT') } },
    { sku: 'ISM', capability: { ...REPORT, ...capable('ISM') } },
    {
      capability: { ...REPORT, ...notCapable('no ME') },
      status: 'AMT not supported: no ME',
      statusIndicator: 'ERROR',
    },
    {},
  ]
  await api.inventory.updateHosts(
    ids.map((hostId, i) => ({
      key: { tenantId: 'acme', hostId },
      patch: {
        ...capabilities[i % 4],
        online: i % 3 === 0,
        controlMode: i % 5 === 0 ? 'ACM' : 'CCM',
        lastSeen: new Date(Date.UTC(2026, 0, 1, 0, 59 - i)).toISOString(),
        ...(i % 4 === 0 ? { desiredState: 'PROVISIONED', currentState: 'PROVISIONED', phase: 'PROVISIONED' } : {}),
        ...(i % 4 === 1 ? { desiredState: 'PROVISIONED', phase: 'FAILED', statusIndicator: 'ERROR' } : {}),
      } satisfies HostPatch,
    })),
  )
  return { api, ids, token: await api.token('viewer', 'acme') }
}

const hostIds = (json: Json) => (json.hosts as { hostId: string }[]).map((host) => host.hostId)

test('each filter narrows the list; total counts the matches', async (t) => {
  const { api, ids, token } = await fleet(t)
  const list = async (query: string) =>
    (await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token })).json
  const every = (step: number, from = 0) => ids.filter((_, i) => i % step === from)
  t.deepEqual(hostIds(await list('sku=ISM')), every(4, 1))
  t.deepEqual(hostIds(await list('controlMode=ACM')), every(5))
  t.deepEqual(hostIds(await list('online=true')), every(3))
  t.deepEqual(
    hostIds(await list('online=false&sku=AMT')),
    every(4).filter((id) => !every(3).includes(id)),
  )
  t.deepEqual(hostIds(await list('phase=FAILED')), every(4, 1))
  t.deepEqual(hostIds(await list('capability=NONE')), every(4, 2))
  t.deepEqual(hostIds(await list('capability=UNKNOWN')), every(4, 3))
  t.deepEqual(hostIds(await list('condition=NOT_SUPPORTED')), every(4, 2))
  t.deepEqual(hostIds(await list('condition=FAILED')), every(4, 1))
  t.deepEqual(hostIds(await list('condition=PROVISIONED')), every(4))
  t.deepEqual(hostIds(await list('search=RACK2_')), every(4, 2))
  t.deepEqual(hostIds(await list('search=h-1')), ids.slice(10, 20))
  t.deepEqual(hostIds(await list('search=%25')), [])
  const page = await list('condition=UNPROVISIONED&limit=2')
  t.deepEqual(hostIds(page), every(4, 3).slice(0, 2))
  t.is(page.total, every(4, 3).length)
  t.is((await list('limit=1')).total, 30)
})

test('a host answers its condition and capability class', async (t) => {
  const { api, token } = await fleet(t)
  const host = async (id: string) => (await api.request('GET', `/api/v1/tenants/acme/hosts/${id}`, { token })).json
  t.like(await host('h-00'), { condition: 'PROVISIONED', capabilityClass: 'AMT' })
  t.like(await host('h-01'), { condition: 'FAILED', capabilityClass: 'ISM' })
  t.like(await host('h-02'), { condition: 'NOT_SUPPORTED', capabilityClass: 'NONE' })
  t.like(await host('h-03'), { condition: 'UNPROVISIONED', capabilityClass: 'UNKNOWN' })
})

test('an unknown query parameter is VALIDATION_FAILED naming it, on every host list', async (t) => {
  const { api, token } = await fleet(t)
  const admin = await api.token('admin', '*')
  for (const [path, who] of [
    ['/api/v1/tenants/acme/hosts?skew=AMT', token],
    ['/api/v1/hosts?skew=AMT', token],
    ['/api/v1/hosts?tenantId=acme&skew=AMT', admin],
  ] as const) {
    const answer = await api.request('GET', path, { token: who })
    t.is(answer.status, 400, path)
    t.is(answer.json.code, 'VALIDATION_FAILED')
    t.regex(answer.json.message as string, /skew/, path)
  }
  const bulk = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token: await api.token('operator', 'acme'),
    body: { desiredAmtState: 'PROVISIONED', filter: { skew: 'AMT' } },
  })
  t.is(bulk.status, 400)
  t.regex(bulk.json.message as string, /skew/)
  for (const query of [
    'sku=AMX',
    'online=maybe',
    'condition=BROKEN',
    'capability=amt',
    'phase=x',
    'sort=size',
    'search=',
  ]) {
    const answer = await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token })
    t.is(answer.status, 400, query)
    t.is(answer.json.code, 'VALIDATION_FAILED', query)
  }
})

test('sorted pages follow nextCursor without gaps or repeats; a cursor of another sort is refused', async (t) => {
  const { api, token } = await fleet(t)
  for (const sort of ['-lastSeen', 'name', '-condition', 'capability', '-hostId', 'online']) {
    const whole = (await api.request('GET', `/api/v1/tenants/acme/hosts?sort=${sort}&limit=1000`, { token })).json
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = `sort=${sort}&limit=7${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
      const page = await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token })
      t.is(page.status, 200)
      t.is(page.json.total, 30)
      seen.push(...hostIds(page.json))
      cursor = page.json.nextCursor as string | null
      pages++
    } while (cursor !== null)
    t.deepEqual(seen, hostIds(whole), sort)
    t.is(new Set(seen).size, 30)
    t.is(pages, 5)
  }
  const lastSeen = hostIds(
    (await api.request('GET', '/api/v1/tenants/acme/hosts?sort=-lastSeen&limit=3', { token })).json,
  )
  t.deepEqual(lastSeen, ['h-00', 'h-01', 'h-02'])
  const first = await api.request('GET', '/api/v1/tenants/acme/hosts?sort=name&limit=2', { token })
  const other = await api.request(
    'GET',
    `/api/v1/tenants/acme/hosts?sort=-name&limit=2&cursor=${encodeURIComponent(first.json.nextCursor as string)}`,
    { token },
  )
  t.is(other.status, 400)
  t.is(other.json.code, 'VALIDATION_FAILED')
  t.regex(other.json.message as string, /another sort/)
})

test('the summary counts the tenant hosts by capability, condition and presence', async (t) => {
  const { api, token } = await fleet(t)
  const answer = await api.request('GET', '/api/v1/tenants/acme/hosts/summary', { token })
  t.is(answer.status, 200)
  t.deepEqual(answer.json, {
    total: 30,
    online: 10,
    offline: 20,
    byCapability: { AMT: 8, ISM: 8, NONE: 7, UNKNOWN: 7 },
    byCondition: {
      PROVISIONED: 8,
      ACTIVATING: 0,
      DEACTIVATING: 0,
      FAILED: 8,
      NOT_SUPPORTED: 7,
      UNPROVISIONED: 7,
      PENDING_DELETION: 0,
    },
  })
  const unknown = await api.request('GET', '/api/v1/tenants/nope/hosts/summary', {
    token: await api.token('viewer', '*'),
  })
  t.is(unknown.json.code, 'TENANT_NOT_FOUND')
  const foreign = await api.request('GET', '/api/v1/tenants/other/hosts/summary', { token })
  t.not(foreign.status, 200)
})

test('a bulk request selects hosts with the new filters (online as a JSON boolean)', async (t) => {
  const { api, ids } = await fleet(t)
  const answer = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token: await api.token('operator', 'acme'),
    body: { desiredAmtState: 'UNPROVISIONED', filter: { capability: 'AMT', online: true } },
  })
  t.is(answer.status, 200)
  const written = (answer.json.hosts as { hostId: string }[]).map((host) => host.hostId)
  t.deepEqual(
    written,
    ids.filter((_, i) => i % 4 === 0 && i % 3 === 0),
  )
})
