import test from 'ava'
import { seed, startApi } from './api-harness.ts'

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${String(i).padStart(2, '0')}`)
const controls = { maxConcurrent: 5, maxStartsPerMinute: 6000, canary: { hosts: 2, approval: 'manual' } }

test('a rollout is created from a filter, read with its progress, and driven through canary, approval and completion', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: hosts(6), other: ['x1'] })
  const token = await api.token('operator', 'acme', 'ops')
  const created = await api.request('POST', '/api/v1/tenants/acme/rollouts', {
    token,
    body: { desiredAmtState: 'PROVISIONED', amtControlMode: 'CCM', filter: {}, controls },
  })
  t.is(created.status, 201, created.text)
  t.like(created.json, {
    tenantId: 'acme',
    state: 'canary',
    desiredAmtState: 'PROVISIONED',
    amtControlMode: 'CCM',
    createdBy: 'api:ops',
    startsPerMinute: 6000,
    progress: { targeted: 6, pending: 6, canary: { targeted: 2, finished: 0 } },
  })
  const id = created.json.rolloutId as string
  await api.rollouts.tick()
  const canary = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token })
  t.like(canary.json, { state: 'canary', progress: { inProgress: 2, pending: 4 } })
  const started = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}/hosts?status=in-progress`, { token })
  t.deepEqual(
    (started.json.hosts as Array<{ hostId: string; desiredGeneration: number }>).map((h) => [
      h.hostId,
      h.desiredGeneration,
    ]),
    [
      ['h00', 1],
      ['h01', 1],
    ],
  )
  t.like(api.outbound.last({ tenantId: 'acme', hostId: 'h00' }, 'desired'), { state: 'PROVISIONED', generation: 1 })
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'h02' }, 'desired'), undefined, 'after the canary: untouched')
  const events = await api.request('GET', '/api/v1/tenants/acme/hosts/h00/events?limit=1', { token })
  t.like((events.json.events as unknown[])[0], { kind: 'desired.set', actor: `rollout:${id}` })

  // The agents answer: both canary hosts provisioned on generation 1.
  for (const hostId of ['h00', 'h01'])
    await api.inventory.updateHost(
      { tenantId: 'acme', hostId },
      { currentState: 'PROVISIONED', phase: 'PROVISIONED', observedGeneration: 1, statusIndicator: 'IDLE' },
    )
  await api.rollouts.tick()
  await api.rollouts.tick()
  t.like((await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token })).json, {
    state: 'awaiting-approval',
    progress: { succeeded: 2, pending: 4 },
  })
  const early = await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/resume`, { token })
  t.is(early.status, 409)
  t.is(early.json.code, 'ROLLOUT_STATE_CONFLICT')
  const approved = await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/approve`, { token })
  t.like(approved.json, { state: 'running', reason: 'canary approved by api:ops' })
  await api.rollouts.tick()
  t.like((await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token })).json, {
    progress: { inProgress: 4, pending: 0 },
  })
  const list = await api.request('GET', '/api/v1/tenants/acme/rollouts', { token })
  t.deepEqual(
    (list.json.rollouts as Array<{ rolloutId: string }>).map((r) => r.rolloutId),
    [id],
  )
  const elsewhere = await api.request('GET', `/api/v1/tenants/other/rollouts/${id}`, {
    token: await api.token('admin', '*', 'root'),
  })
  t.is(elsewhere.status, 404)
  t.is(elsewhere.json.code, 'ROLLOUT_NOT_FOUND')
})

test('pause, resume and cancel through the API; a viewer may read but not change', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: hosts(4) })
  const token = await api.token('operator', 'acme', 'ops')
  const viewer = await api.token('viewer', 'acme', 'eyes')
  const created = await api.request('POST', '/api/v1/tenants/acme/rollouts', {
    token,
    body: {
      desiredAmtState: 'PROVISIONED',
      hostIds: ['h03', 'h01'],
      controls: { maxConcurrent: 1, maxStartsPerMinute: 60 },
    },
  })
  t.like(created.json, { state: 'running', target: { hostIds: ['h03', 'h01'] }, progress: { targeted: 2 } })
  const id = created.json.rolloutId as string
  t.is((await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/pause`, { token: viewer })).status, 403)
  t.is((await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}`, { token: viewer })).status, 200)
  t.like((await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/pause`, { token })).json, {
    state: 'paused',
    reason: 'paused by api:ops',
  })
  await api.rollouts.tick()
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'h03' }, 'desired'), undefined, 'nothing starts while paused')
  t.like((await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/resume`, { token })).json, {
    state: 'running',
  })
  await api.rollouts.tick()
  t.like(api.outbound.last({ tenantId: 'acme', hostId: 'h03' }, 'desired'), { generation: 1 }, 'the first in its order')
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'h01' }, 'desired'), undefined, 'maxConcurrent 1')
  t.like((await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/cancel`, { token })).json, {
    state: 'cancelled',
  })
  const again = await api.request('POST', `/api/v1/tenants/acme/rollouts/${id}/cancel`, { token })
  t.is(again.json.code, 'ROLLOUT_STATE_CONFLICT')
  const untouched = await api.request('GET', `/api/v1/tenants/acme/rollouts/${id}/hosts?status=pending`, { token })
  t.deepEqual(
    (untouched.json.hosts as Array<{ hostId: string }>).map((h) => h.hostId),
    ['h01'],
  )
})

test('invalid rollouts are refused with the reason; the bulk request with `rollout` becomes a rollout, without it stays as it was', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: hosts(3) })
  const token = await api.token('operator', 'acme', 'ops')
  const post = (body: object) => api.request('POST', '/api/v1/tenants/acme/rollouts', { token, body })
  const badWindow = await post({
    desiredAmtState: 'PROVISIONED',
    controls: {
      maxConcurrent: 1,
      maxStartsPerMinute: 1,
      window: { timezone: 'Nowhere/City', days: [1], start: '01:00', end: '02:00' },
    },
  })
  t.is(badWindow.status, 400)
  t.is(badWindow.json.message, 'window.timezone Nowhere/City is not an IANA timezone')
  const none = await post({
    desiredAmtState: 'PROVISIONED',
    filter: { online: true },
    controls: { maxConcurrent: 1, maxStartsPerMinute: 1 },
  })
  t.is(none.json.message, 'the target names no host')
  const missing = await post({
    desiredAmtState: 'PROVISIONED',
    hostIds: ['nope'],
    controls: { maxConcurrent: 1, maxStartsPerMinute: 1 },
  })
  t.is(missing.json.message, '1 hosts do not exist, e.g. nope')
  const both = await post({
    desiredAmtState: 'PROVISIONED',
    controls: { maxConcurrent: 1, maxStartsPerMinute: 1, canary: { hosts: 1, percent: 5, approval: 'manual' } },
  })
  t.is(both.json.message, 'canary takes hosts or percent (one of them)')

  const bulk = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token,
    body: { desiredAmtState: 'PROVISIONED', rollout: { maxConcurrent: 2, maxStartsPerMinute: 30 } },
  })
  t.is(bulk.status, 202)
  t.like(bulk.json, { state: 'running', progress: { targeted: 3, pending: 3 } })
  t.is(api.outbound.last({ tenantId: 'acme', hostId: 'h00' }, 'desired'), undefined, 'nothing written at once')
  const plain = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  t.is(plain.status, 200)
  t.is(plain.json.count, 3)
})
