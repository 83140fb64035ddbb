import test from 'ava'
import { seed, startApi } from './api-harness.ts'

const A = (hostId: string) => ({ tenantId: 'acme', hostId })

test('PATCH amt writes Inventory (generation + 1) and publishes desired, retained at QoS 1', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('operator', 'acme', 'ops')
  const answer = await api.request('PATCH', '/api/v1/tenants/acme/hosts/h1/amt', {
    token,
    body: { desiredAmtState: 'PROVISIONED', amtControlMode: 'ACM', amtDnsSuffix: 'corp.example' },
  })
  t.is(answer.status, 200)
  t.like(answer.json, {
    desiredState: 'PROVISIONED',
    controlMode: 'ACM',
    dnsSuffix: 'corp.example',
    desiredGeneration: 1,
  })
  t.like(await api.inventory.getHost(A('h1')), {
    desiredState: 'PROVISIONED',
    desiredGeneration: 1,
    controlMode: 'ACM',
  })
  t.like(api.outbound.last(A('h1'), 'desired'), {
    state: 'PROVISIONED',
    generation: 1,
    controlMode: 'ACM',
    profileName: 'acme_acm',
    dnsSuffix: 'corp.example',
  })
  const published = api.outbound.published.find((message) => message.topic.endsWith('/desired'))
  t.deepEqual(published?.options, { qos: 1, retain: true })

  const repeated = await api.request('PATCH', '/api/v1/tenants/acme/hosts/h1/amt', {
    token,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  t.is(repeated.json.desiredGeneration, 2, 'a repeated request is a new generation')
  t.is(api.outbound.last(A('h1'), 'desired')?.generation, 2)

  const events = await api.request('GET', '/api/v1/tenants/acme/hosts/h1/events?limit=1', { token })
  t.like((events.json.events as unknown[])[0], {
    kind: 'desired.set',
    actor: 'api:ops',
    detail: { state: 'PROVISIONED', generation: 2 },
  })
  const older = await api.request(
    'GET',
    `/api/v1/tenants/acme/hosts/h1/events?limit=1&before=${String(events.json.nextBefore)}`,
    { token },
  )
  t.like((older.json.events as unknown[])[0], { kind: 'desired.set', detail: { generation: 1 } })
})

test('bulk: activate every host of a tenant, then deactivate a list', async (t) => {
  const api = await startApi(t)
  const ids = Array.from({ length: 30 }, (_, i) => `h${i}`)
  await seed(api.inventory, { acme: ids, other: ['h0'] })
  const token = await api.token('operator', 'acme')
  const all = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  t.is(all.status, 200)
  t.is(all.json.count, 30)
  const stored = (await api.inventory.listHosts({ tenantId: 'acme' })).hosts
  t.true(
    stored.every(
      (host) =>
        host.desiredState === 'PROVISIONED' && host.desiredGeneration === 1 && host.activationRequestedAt !== null,
    ),
  )
  t.true(ids.every((hostId) => api.outbound.last(A(hostId), 'desired')?.generation === 1))
  t.like(
    await api.inventory.getHost({ tenantId: 'other', hostId: 'h0' }),
    { desiredGeneration: 0 },
    'other tenants untouched',
  )

  const some = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token,
    body: { desiredAmtState: 'UNPROVISIONED', hostIds: ['h1', 'h2', 'h2'] },
  })
  t.deepEqual(some.json, {
    count: 2,
    hosts: [
      { hostId: 'h1', desiredState: 'UNPROVISIONED', desiredGeneration: 2 },
      { hostId: 'h2', desiredState: 'UNPROVISIONED', desiredGeneration: 2 },
    ],
  })
  t.is(api.outbound.last(A('h2'), 'desired')?.state, 'UNPROVISIONED')
})

test('bulk by filter touches only matching hosts; an unknown host in a list changes nothing', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1', 'h2', 'h3'] })
  await api.inventory.updateHost(A('h2'), { statusIndicator: 'ERROR', status: 'AMT Activation Failed' })
  const token = await api.token('operator', 'acme')
  const retry = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token,
    body: { desiredAmtState: 'PROVISIONED', filter: { statusIndicator: 'ERROR' } },
  })
  t.like(retry.json, { count: 1, hosts: [{ hostId: 'h2' }] })
  const unknown = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
    token,
    body: { desiredAmtState: 'PROVISIONED', hostIds: ['h1', 'ghost'] },
  })
  t.is(unknown.status, 404)
  t.like(unknown.json, { code: 'HOST_NOT_FOUND', details: { hostId: 'ghost', index: 1 } })
  t.is((await api.inventory.getHost(A('h1'))).desiredGeneration, 0)
  t.is(api.outbound.last(A('h1'), 'desired'), undefined)
})

test('desired requests are validated against the catalogue', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('operator', 'acme')
  const cases: Array<[string, string, unknown, string]> = [
    ['PATCH', '/api/v1/tenants/acme/hosts/h1/amt', { desiredAmtState: 'ON' }, 'VALIDATION_FAILED'],
    ['PATCH', '/api/v1/tenants/acme/hosts/h1/amt', { amtControlMode: 'ACM' }, 'VALIDATION_FAILED'],
    ['PATCH', '/api/v1/tenants/acme/hosts/h1/amt', { desiredAmtState: 'PROVISIONED', extra: 1 }, 'VALIDATION_FAILED'],
    [
      'PATCH',
      '/api/v1/tenants/acme/hosts/h1/amt',
      { desiredAmtState: 'PROVISIONED', amtDnsSuffix: 'a b' },
      'VALIDATION_FAILED',
    ],
    [
      'POST',
      '/api/v1/tenants/acme/amt/bulk',
      { desiredAmtState: 'PROVISIONED', hostIds: ['h1'], filter: {} },
      'VALIDATION_FAILED',
    ],
    ['POST', '/api/v1/tenants/acme/amt/bulk', { desiredAmtState: 'PROVISIONED', hostIds: [] }, 'VALIDATION_FAILED'],
    ['PATCH', '/api/v1/tenants/acme/hosts/h1/amt', '{"desiredAmtState":', 'MALFORMED_JSON'],
    ['PATCH', '/api/v1/tenants/acme/hosts/ghost/amt', { desiredAmtState: 'PROVISIONED' }, 'HOST_NOT_FOUND'],
  ]
  for (const [method, path, body, code] of cases) {
    const answer = await api.request(method, path, { token, body })
    t.is(answer.json.code, code, JSON.stringify(body))
    t.is(typeof answer.json.message, 'string')
  }
  t.is((await api.inventory.getHost(A('h1'))).desiredGeneration, 0)
})

test('delete: a never-activated host goes at once; an activated one waits for deactivation and refuses activation meanwhile', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['active'] })
  const token = await api.token('operator', 'acme')
  const admin = await api.token('admin', 'acme')
  t.is((await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'idle' } })).status, 201)
  const gone = await api.request('DELETE', '/api/v1/tenants/acme/hosts/idle', { token })
  t.deepEqual([gone.status, gone.json.outcome], [200, 'deleted'])
  t.is(await api.inventory.findHost(A('idle')), null)
  t.is(await api.inventory.getCredentialByUsername('idle@acme'), null, 'its MQTT credential is gone too')

  await api.request('PATCH', '/api/v1/tenants/acme/hosts/active/amt', {
    token,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  const pending = await api.request('DELETE', '/api/v1/tenants/acme/hosts/active', { token })
  t.deepEqual([pending.status, pending.json.outcome], [202, 'pending'])
  t.like(await api.inventory.getHost(A('active')), { deletion: 'pending', desiredState: 'UNPROVISIONED' })
  t.is(api.outbound.last(A('active'), 'desired')?.state, 'UNPROVISIONED')
  const refused = await api.request('PATCH', '/api/v1/tenants/acme/hosts/active/amt', {
    token,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  t.is(refused.json.code, 'HOST_DELETING')
  const forced = await api.request('DELETE', '/api/v1/tenants/acme/hosts/active?force=true', { token: admin })
  t.deepEqual([forced.status, forced.json.outcome], [200, 'deleted'])
  const events = await api.request('GET', '/api/v1/tenants/acme/hosts/active/events', { token })
  t.like(
    (events.json.events as unknown[])[0],
    { kind: 'host.deleted', detail: { reason: 'forced' } },
    'the audit outlives the host',
  )
})

test("a forced local deactivation is an admin's choice, goes with UNPROVISIONED only, rides in desired, and the next desired clears it", async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const operator = await api.token('operator', 'acme')
  const admin = await api.token('admin', 'acme')
  const path = '/api/v1/tenants/acme/hosts/h1/amt'
  const forced = { desiredAmtState: 'UNPROVISIONED', localDeactivation: true }

  const refused = await api.request('PATCH', path, { token: operator, body: forced })
  t.is(refused.status, 403)
  t.like(refused.json, { code: 'FORBIDDEN' })
  const wrongState = await api.request('PATCH', path, {
    token: admin,
    body: { ...forced, desiredAmtState: 'PROVISIONED' },
  })
  t.is(wrongState.status, 400)
  t.is((await api.inventory.getHost(A('h1'))).desiredGeneration, 0, 'nothing written by refused requests')

  t.is((await api.request('PATCH', path, { token: admin, body: forced })).status, 200)
  t.like(await api.inventory.getHost(A('h1')), { desiredState: 'UNPROVISIONED', localDeactivation: true })
  t.like(api.outbound.last(A('h1'), 'desired'), { state: 'UNPROVISIONED', generation: 1, localDeactivation: true })

  t.is((await api.request('PATCH', path, { token: operator, body: { desiredAmtState: 'UNPROVISIONED' } })).status, 200)
  t.like(await api.inventory.getHost(A('h1')), { localDeactivation: false, desiredGeneration: 2 })
  t.false('localDeactivation' in (api.outbound.last(A('h1'), 'desired') ?? {}), 'only RPS again')
})
