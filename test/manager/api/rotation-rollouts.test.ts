import test from 'ava'
import type { MpsPasswordCopy } from '../../../manager/ports/provisioning.ts'
import { activated, startApi, stagingRotator as rotator } from './api-harness.ts'

// POST /api/v1/tenants/{t}/amt/rotate-password: the rotation of many hosts as a rollout (docs/credentials.md).

const controls = { maxConcurrent: 10, maxStartsPerMinute: 6000 }

test('a label filter becomes a rotation rollout: 202 with its view, members rotated by the engine, rpc v2 not supported', async (t) => {
  const api = await startApi(t, { rotation: { rotator } })
  await activated(api.inventory, {
    r0: { line: 'v3', site: 'berlin' },
    r1: { line: 'v3', site: 'berlin' },
    r2: { line: 'v2', site: 'berlin' },
    r3: { line: 'v3', site: 'paris' },
  })
  const token = await api.token('operator', 'acme', 'ops')
  const created = await api.request('POST', '/api/v1/tenants/acme/amt/rotate-password', {
    token,
    body: { filter: { label: ['site=berlin'] }, controls },
  })
  t.is(created.status, 202, created.text)
  t.like(created.json, {
    action: 'rotate-password',
    state: 'running',
    createdBy: 'api:ops',
    target: { filter: { label: ['site=berlin'] } },
    progress: { targeted: 3, pending: 3 },
  })
  t.false('desiredAmtState' in created.json)
  const id = created.json.rolloutId as string

  await api.rollouts.tick()
  const members = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}/hosts`, { token })
  t.deepEqual(
    (members.json.hosts as Array<{ hostId: string; status: string }>).map(({ hostId, status }) => [hostId, status]),
    [
      ['r0', 'in-progress'],
      ['r1', 'in-progress'],
      ['r2', 'not-supported'],
    ],
  )
  const r0 = await api.request('GET', '/api/v1/tenants/acme/hosts/r0', { token })
  t.like(r0.json, { rotation: { state: 'pending', actor: `rollout:${id}` } })
  const r3 = await api.inventory.getHost({ tenantId: 'acme', hostId: 'r3' })
  t.is(r3.rotation, null, 'outside the filter: untouched')
  const listed = await api.request('GET', '/api/v1/tenants/acme/rollouts', { token })
  t.like((listed.json.rollouts as unknown[])[0], { rolloutId: id, action: 'rotate-password' })
})

test('refusals: a viewer (403), hostIds with filter (400), MPS copy unconfigured (409)', async (t) => {
  const mpsCopy: MpsPasswordCopy = { mode: 'unconfigured', copy: () => Promise.resolve('absent') }
  const api = await startApi(t, { rotation: { rotator, mpsCopy } })
  await activated(api.inventory, { r0: { line: 'v3', site: 'berlin' } })
  const path = '/api/v1/tenants/acme/amt/rotate-password'
  const viewer = await api.token('viewer', 'acme', 'eyes')
  const operator = await api.token('operator', 'acme', 'ops')
  const read = await api.request('POST', path, { token: viewer, body: { hostIds: ['r0'], controls } })
  t.is(read.status, 403)
  const both = await api.request('POST', path, { token: operator, body: { hostIds: ['r0'], filter: {}, controls } })
  t.is(both.status, 400)
  t.is(both.json.code, 'VALIDATION_FAILED')
  const unconfigured = await api.request('POST', path, { token: operator, body: { hostIds: ['r0'], controls } })
  t.is(unconfigured.status, 409)
  t.is(unconfigured.json.code, 'ROTATION_MPS_COPY_UNCONFIGURED')
  const rollouts = await api.request('GET', '/api/v1/tenants/acme/rollouts', { token: operator })
  t.deepEqual(rollouts.json.rollouts, [], 'nothing created')
})
