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
const controls = { maxConcurrent: 10, maxStartsPerMinute: 6000 }

/** h-1, h-2 in group berlin (ccm); h-3 in group old (deactivate), reported provisioned; h-4 in no group. */
async function setUp(t: ExecutionContext) {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  const hostIds = ['h-1', 'h-2', 'h-3', 'h-4']
  await api.inventory.createHosts(hostIds.map((hostId) => ({ tenantId: 'acme', hostId })))
  for (const hostId of hostIds) await api.inventory.updateHost({ tenantId: 'acme', hostId }, AMT)
  const labels = { 'h-1': 'berlin', 'h-2': 'berlin', 'h-3': 'old' }
  for (const [hostId, site] of Object.entries(labels))
    await api.inventory.updateHost({ tenantId: 'acme', hostId }, { labels: { site } })
  await api.inventory.updateHost({ tenantId: 'acme', hostId: 'h-3' }, { currentState: 'PROVISIONED' })
  const operator = await api.token('operator', 'acme', 'ops')
  for (const [name, amt] of [
    ['berlin', 'ccm'],
    ['old', 'deactivate'],
  ] as const) {
    const body = { selector: { labels: { site: name } }, priority: 10, policy: { amt } }
    const put = await api.request('PUT', `/api/v1/tenants/acme/groups/${name}`, { token: operator, body })
    t.is(put.status, 200, put.text)
  }
  return { api, operator }
}

const idsOf = (answer: { json: Json }) => (answer.json.rollouts as Json[]).map((rollout) => rollout.rolloutId)

test("a group's drift becomes a rollout of its action; hosts in a rollout under way are skipped with its id", async (t) => {
  const { api, operator } = await setUp(t)
  const held = await api.request('POST', '/api/v1/tenants/acme/rollouts', {
    token: operator,
    body: { desiredAmtState: 'PROVISIONED', amtControlMode: 'CCM', hostIds: ['h-2'], controls },
  })
  t.is(held.status, 201, held.text)

  const applied = await api.request('POST', '/api/v1/tenants/acme/groups/berlin/rollout', {
    token: operator,
    body: { controls },
  })
  t.is(applied.status, 200, applied.text)
  t.is((applied.json.rollouts as Json[]).length, 1)
  t.like((applied.json.rollouts as Json[])[0], {
    desiredAmtState: 'PROVISIONED',
    amtControlMode: 'CCM',
    createdBy: 'api:ops',
    progress: { targeted: 1, pending: 1 },
  })
  t.deepEqual(applied.json.skipped, [{ hostId: 'h-2', rolloutId: held.json.rolloutId }])
  const [groupRollout] = idsOf(applied)
  const members = await api.request('GET', `/api/v1/tenants/acme/rollouts/${String(groupRollout)}/hosts`, {
    token: operator,
  })
  t.deepEqual(
    (members.json.hosts as Json[]).map((member) => member.hostId),
    ['h-1'],
  )

  // Tenant-wide: only h-3 is free (h-1, h-2 are held); its policy deactivates; h-4 has no policy.
  const tenantWide = await api.request('POST', '/api/v1/tenants/acme/policy/rollout', {
    token: operator,
    body: { controls },
  })
  t.is(tenantWide.status, 200, tenantWide.text)
  t.is((tenantWide.json.rollouts as Json[]).length, 1)
  t.like((tenantWide.json.rollouts as Json[])[0], { desiredAmtState: 'UNPROVISIONED', progress: { targeted: 1 } })
  t.deepEqual(
    (tenantWide.json.skipped as Json[]).map((skip) => skip.hostId),
    ['h-1', 'h-2'],
  )

  await api.rollouts.tick()
  t.like(api.outbound.last({ tenantId: 'acme', hostId: 'h-1' }, 'desired'), { state: 'PROVISIONED' })
  t.like(api.outbound.last({ tenantId: 'acme', hostId: 'h-3' }, 'desired'), { state: 'UNPROVISIONED' })
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'h-4' }, 'desired'), undefined, 'no policy: untouched')

  const again = await api.request('POST', '/api/v1/tenants/acme/groups/berlin/rollout', {
    token: operator,
    body: { controls },
  })
  t.deepEqual(again.json.rollouts, [], 'every drifted host is in a rollout under way: nothing new')
  t.is(
    (await api.request('POST', '/api/v1/tenants/acme/groups/nope/rollout', { token: operator, body: { controls } }))
      .json.code,
    'GROUP_NOT_FOUND',
  )
})

test('every rollout create refuses hosts of a rollout under way (paused too) and takes them once it is final', async (t) => {
  const { api, operator } = await setUp(t)
  const create = (hostIds: string[]) =>
    api.request('POST', '/api/v1/tenants/acme/rollouts', {
      token: operator,
      body: { desiredAmtState: 'UNPROVISIONED', hostIds, controls },
    })
  const first = await create(['h-1', 'h-2'])
  t.is(first.status, 201, first.text)
  const id = String(first.json.rolloutId)
  await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/pause`, { token: operator })
  const busy = await create(['h-4', 'h-2'])
  t.is(busy.status, 409)
  t.is(busy.json.code, 'ROLLOUT_HOSTS_BUSY')
  t.regex(String(busy.json.message), new RegExp(`1 hosts are members of a rollout under way, e\\.g\\. h-2 in ${id}`))
  const bulk = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token: operator,
    body: { desiredAmtState: 'UNPROVISIONED', hostIds: ['h-1'], rollout: controls },
  })
  t.is(bulk.json.code, 'ROLLOUT_HOSTS_BUSY', 'the bulk form too')
  t.is((await create(['h-4'])).status, 201, 'other hosts are free')
  await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/cancel`, { token: operator })
  t.is((await create(['h-1', 'h-2'])).status, 201, 'a cancelled rollout holds nothing')
})
