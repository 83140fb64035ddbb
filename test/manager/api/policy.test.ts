import test, { type ExecutionContext } from 'ava'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { capable } from '../../helpers/manager-core.ts'
import { startApi } from './api-harness.ts'

type Json = Record<string, unknown>
const REPORT = {
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  hostId: 'x',
  bootId: '00000000-0000-4000-8000-000000000000',
  seq: 1,
} as const
const AMT: HostPatch = { sku: 'AMT', capability: { ...REPORT, ...capable('AMT') } }

async function setUp(t: ExecutionContext) {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  await api.inventory.createTenant({ tenantId: 'other' })
  await api.inventory.createHosts(['h-1', 'h-2', 'h-3'].map((hostId) => ({ tenantId: 'acme', hostId })))
  for (const hostId of ['h-1', 'h-2', 'h-3']) await api.inventory.updateHost({ tenantId: 'acme', hostId }, AMT)
  return { api, operator: await api.token('operator', 'acme'), viewer: await api.token('viewer', 'acme') }
}

test('labels: set and remove (the others stay), audited, in the host JSON; list filter ?label= (repeatable)', async (t) => {
  const { api, operator, viewer } = await setUp(t)
  const path = '/api/v1/tenants/acme/hosts/h-1/labels'
  const first = await api.request('PATCH', path, { token: operator, body: { set: { site: 'berlin', model: 'nuc' } } })
  t.is(first.status, 200, first.text)
  t.deepEqual(first.json.labels, { model: 'nuc', site: 'berlin' })
  const second = await api.request('PATCH', path, {
    token: operator,
    body: { set: { rack: '7' }, remove: ['model'], version: first.json.version },
  })
  t.deepEqual(second.json.labels, { rack: '7', site: 'berlin' })
  const stale = await api.request('PATCH', path, {
    token: operator,
    body: { set: { a: 'b' }, version: first.json.version },
  })
  t.is(stale.json.code, 'HOST_CHANGED')
  const bad = await api.request('PATCH', path, { token: operator, body: { set: { 'bad key': 'x' } } })
  t.is(bad.status, 400)
  t.regex(bad.text, /label key \\"bad key\\": the name must be/)
  t.is((await api.request('PATCH', path, { token: viewer, body: { set: { a: 'b' } } })).json.code, 'FORBIDDEN')
  await api.request('PATCH', '/api/v1/tenants/acme/hosts/h-2/labels', {
    token: operator,
    body: { set: { site: 'paris' } },
  })
  const host = await api.request('GET', '/api/v1/tenants/acme/hosts/h-1', { token: viewer })
  t.deepEqual(host.json.labels, { rack: '7', site: 'berlin' })
  t.is(host.json.policyOverride, null)
  const list = async (query: string) =>
    ((await api.request('GET', `/api/v1/tenants/acme/hosts?${query}`, { token: viewer })).json.hosts as Json[]).map(
      (item) => item.hostId,
    )
  t.deepEqual(await list('label=site=berlin'), ['h-1'])
  t.deepEqual(await list('label=site'), ['h-1', 'h-2'])
  t.deepEqual(await list('label=site&label=rack=7'), ['h-1'])
  t.deepEqual(await list('label=site=rome'), [])
  const invalid = await api.request('GET', '/api/v1/tenants/acme/hosts?label=a%20b', { token: viewer })
  t.is(invalid.json.code, 'VALIDATION_FAILED')
  const audit = await api.inventory.listAudit('acme', { hostId: 'h-1' })
  t.deepEqual(
    audit.filter((event) => event.kind === 'host.labels').map((event) => [event.detail, event.class]),
    [
      [{ set: { rack: '7' }, remove: ['model'] }, 'security'],
      [{ set: { site: 'berlin', model: 'nuc' }, remove: [] }, 'security'],
    ],
  )
})

test('groups: CRUD with versions and audit, the effective policy of a host, the override, the drift', async (t) => {
  const { api, operator, viewer } = await setUp(t)
  const groups = '/api/v1/tenants/acme/groups'
  const body = { selector: { labels: { site: 'berlin' } }, priority: 10, policy: { amt: 'ccm' } }
  const created = await api.request('PUT', `${groups}/berlin`, { token: operator, body })
  t.is(created.status, 200, created.text)
  t.like(created.json, { name: 'berlin', version: 1, policy: { amt: 'ccm' } })
  await api.request('PUT', `${groups}/everyone`, {
    token: operator,
    body: { selector: {}, priority: 100, policy: { amt: 'none' } },
  })
  const listed = await api.request('GET', groups, { token: viewer })
  t.deepEqual(
    (listed.json.groups as Json[]).map((group) => group.name),
    ['berlin', 'everyone'],
  )
  const stale = await api.request('PUT', `${groups}/berlin`, { token: operator, body: { ...body, version: 7 } })
  t.is(stale.json.code, 'GROUP_CHANGED')
  const invalid = await api.request('PUT', `${groups}/berlin`, {
    token: operator,
    body: { ...body, policy: { amt: 'ccm', acmFallback: 'ccm' } },
  })
  t.is(invalid.json.code, 'VALIDATION_FAILED')
  t.regex(invalid.text, /acmFallback goes with amt/)
  t.is((await api.request('GET', `${groups}/nope`, { token: viewer })).json.code, 'GROUP_NOT_FOUND')
  t.is((await api.request('PUT', `${groups}/Bad_Name`, { token: operator, body })).status, 400)

  for (const hostId of ['h-1', 'h-2'])
    await api.request('PATCH', `/api/v1/tenants/acme/hosts/${hostId}/labels`, {
      token: operator,
      body: { set: { site: 'berlin' } },
    })
  const policy = await api.request('GET', '/api/v1/tenants/acme/hosts/h-1/policy', { token: viewer })
  t.deepEqual(policy.json, {
    tenantId: 'acme',
    hostId: 'h-1',
    policy: { amt: 'ccm' },
    source: 'group:berlin',
    target: { state: 'PROVISIONED', controlMode: 'CCM' },
    drift: true,
  })
  const unmanaged = await api.request('GET', '/api/v1/tenants/acme/hosts/h-3/policy', { token: viewer })
  t.like(unmanaged.json, { source: 'group:everyone', target: null, reason: { code: 'NOT_MANAGED' }, drift: false })

  const drift = await api.request('GET', `${groups}/berlin/drift?limit=1`, { token: viewer })
  t.is(drift.json.total, 2)
  t.deepEqual(drift.json.hosts, [
    {
      tenantId: 'acme',
      hostId: 'h-1',
      source: 'group:berlin',
      target: { state: 'PROVISIONED', controlMode: 'CCM' },
      desired: { state: 'UNSPECIFIED', controlMode: 'CCM' },
    },
  ])
  t.is(api.outbound.payloads({ tenantId: 'acme', hostId: 'h-1' }, 'desired').length, 0, 'a group change flips nothing')

  const override = await api.request('PUT', '/api/v1/tenants/acme/hosts/h-1/policy-override', {
    token: operator,
    body: { policy: { amt: 'none' } },
  })
  t.deepEqual(override.json.policyOverride, { amt: 'none' })
  t.like((await api.request('GET', '/api/v1/tenants/acme/hosts/h-1/policy', { token: viewer })).json, {
    source: 'override',
    target: null,
  })
  t.is((await api.request('GET', `${groups}/berlin/drift`, { token: viewer })).json.total, 1)
  await api.request('PUT', '/api/v1/tenants/acme/hosts/h-1/policy-override', {
    token: operator,
    body: { policy: null },
  })

  t.like((await api.request('DELETE', `${groups}/berlin`, { token: operator })).json, { deleted: true })
  t.is((await api.request('GET', `${groups}/berlin`, { token: viewer })).status, 404)
  const otherTenant = await api.request('GET', '/api/v1/tenants/other/groups', { token: viewer })
  t.is(otherTenant.json.code, 'TENANT_NOT_FOUND')
  const audit = await api.inventory.listAudit('acme', { class: 'security' })
  t.deepEqual(
    audit
      .filter((event) => event.kind.startsWith('group.') || event.kind === 'host.policy-override')
      .map((event) => event.kind),
    ['group.deleted', 'host.policy-override', 'host.policy-override', 'group.set', 'group.set'],
  )
  const deleted = audit.find((event) => event.kind === 'group.deleted')
  t.like(deleted, { actor: 'api:operator-acme-1', hostId: null, detail: { group: 'berlin' } })
  const lastSet = audit.find((event) => event.kind === 'group.set')
  t.is((deleted?.detail as { version: number }).version, (lastSet?.detail as { version: number }).version)
})
