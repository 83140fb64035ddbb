import test from 'ava'
import { seed, startApi } from './api-harness.ts'

test('no token, a malformed token, an unknown token and a wrong secret all answer 401 UNAUTHENTICATED', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const good = await api.token('admin', '*')
  const wrongSecret = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`
  const unknownId = good.replace(/^amt_[0-9a-f]{16}/, 'amt_0123456789abcdef')
  for (const token of [undefined, 'nonsense', wrongSecret, unknownId]) {
    const answer = await api.request('GET', '/api/v1/tenants/acme/hosts', token === undefined ? {} : { token })
    t.is(answer.status, 401, String(token))
    t.is(answer.json.code, 'UNAUTHENTICATED')
    t.regex(answer.headers.get('www-authenticate') ?? '', /^Bearer/)
  }
  const basic = await api.request('GET', '/api/v1/tenants', {
    headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
  })
  t.is(basic.status, 401)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts', { token: good })).status, 200)
})

test('a viewer reads but cannot change anything (403 FORBIDDEN)', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const viewer = await api.token('viewer', 'acme')
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts/h1', { token: viewer })).status, 200)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts/h1/events', { token: viewer })).status, 200)
  const writes: Array<[string, string, unknown]> = [
    ['POST', '/api/v1/tenants/acme/hosts', { hostId: 'h2' }],
    ['PATCH', '/api/v1/tenants/acme/hosts/h1/amt', { desiredAmtState: 'PROVISIONED' }],
    ['POST', '/api/v1/tenants/acme/amt/bulk', { desiredAmtState: 'PROVISIONED' }],
    ['DELETE', '/api/v1/tenants/acme/hosts/h1', undefined],
    ['POST', '/api/v1/tenants', { tenantId: 'other' }],
    ['POST', '/api/v1/tokens', { role: 'viewer', tenant: 'acme' }],
    ['GET', '/api/v1/tokens', undefined],
  ]
  for (const [method, path, body] of writes) {
    const answer = await api.request(method, path, { token: viewer, body })
    t.is(answer.status, 403, `${method} ${path}`)
    t.is(answer.json.code, 'FORBIDDEN')
  }
  const host = await api.inventory.getHost({ tenantId: 'acme', hostId: 'h1' })
  t.is(host.desiredGeneration, 0)
  t.is(api.outbound.published.length, 0)
})

test('an operator sets desired state, registers and deletes hosts, but manages neither tenants nor tokens', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const operator = await api.token('operator', 'acme')
  const patched = await api.request('PATCH', '/api/v1/tenants/acme/hosts/h1/amt', {
    token: operator,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  t.is(patched.status, 200)
  t.is(patched.json.desiredGeneration, 1)
  t.is(
    (await api.request('POST', '/api/v1/tenants/acme/hosts', { token: operator, body: { hostId: 'h2' } })).status,
    201,
  )
  t.is((await api.request('DELETE', '/api/v1/tenants/acme/hosts/h2', { token: operator })).status, 200)
  t.is(
    (await api.request('POST', '/api/v1/tenants', { token: operator, body: { tenantId: 'new' } })).json.code,
    'FORBIDDEN',
  )
  t.is(
    (await api.request('POST', '/api/v1/tokens', { token: operator, body: { role: 'viewer', tenant: 'acme' } })).json
      .code,
    'FORBIDDEN',
  )
  const forced = await api.request('DELETE', '/api/v1/tenants/acme/hosts/h1?force=true', { token: operator })
  t.is(forced.status, 403, 'forcing a deletion is for admins')
})

test('tenants are created by global admins only; tenant admins manage only their own tokens', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [], beta: [] })
  const global = await api.token('admin', '*')
  const acmeAdmin = await api.token('admin', 'acme')
  t.is((await api.request('POST', '/api/v1/tenants', { token: acmeAdmin, body: { tenantId: 'gamma' } })).status, 403)
  const created = await api.request('POST', '/api/v1/tenants', {
    token: global,
    body: { tenantId: 'gamma', passwordPolicy: 'static' },
  })
  t.is(created.status, 201)
  t.like(created.json, { tenantId: 'gamma', name: 'gamma', passwordPolicy: 'static' })
  t.is(
    (await api.request('POST', '/api/v1/tenants', { token: global, body: { tenantId: 'gamma' } })).json.code,
    'TENANT_EXISTS',
  )

  t.is(
    (await api.request('POST', '/api/v1/tokens', { token: acmeAdmin, body: { role: 'admin', tenant: '*' } })).json.code,
    'FORBIDDEN',
  )
  t.is(
    (await api.request('POST', '/api/v1/tokens', { token: acmeAdmin, body: { role: 'viewer', tenant: 'beta' } })).json
      .code,
    'TENANT_NOT_FOUND',
  )
  const issued = await api.request('POST', '/api/v1/tokens', {
    token: acmeAdmin,
    body: { role: 'viewer', tenant: 'acme', name: 'acme-dashboard' },
  })
  t.is(issued.status, 201)
  t.is(issued.headers.get('cache-control'), 'no-store')
  const text = String(issued.json.token)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts', { token: text })).status, 200)
  t.is(
    (
      await api.request('POST', '/api/v1/tokens', {
        token: global,
        body: { role: 'viewer', tenant: 'acme', name: 'acme-dashboard' },
      })
    ).json.code,
    'TOKEN_NAME_TAKEN',
  )

  const listed = await api.request('GET', '/api/v1/tokens', { token: acmeAdmin })
  const scopes = (listed.json.tokens as Array<{ tenant: string }>).map((token) => token.tenant)
  t.true(scopes.length > 0 && scopes.every((tenant) => tenant === 'acme'))
  t.false(listed.text.includes('sha256$'), 'hashes are never answered')

  t.is((await api.request('DELETE', `/api/v1/tokens/${String(issued.json.id)}`, { token: acmeAdmin })).status, 204)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts', { token: text })).status, 401, 'revoked at once')
})

test('probes and metrics need no token; /readyz reports a failing dependency as NOT_READY', async (t) => {
  let busConnected = false
  const api = await startApi(t, {
    readiness: async () => [
      { name: 'inventory', ok: (await api.inventory.listTenants()) !== undefined },
      { name: 'mqtt', ok: busConnected, ...(busConnected ? {} : { detail: 'not connected' }) },
    ],
  })
  t.deepEqual((await api.request('GET', '/healthz')).json, { status: 'ok' })
  const unready = await api.request('GET', '/readyz')
  t.is(unready.status, 503)
  t.is(unready.json.code, 'NOT_READY')
  t.deepEqual((unready.json.details as { checks: unknown }).checks, [
    { name: 'inventory', ok: true },
    { name: 'mqtt', ok: false, detail: 'not connected' },
  ])
  busConnected = true
  t.is((await api.request('GET', '/readyz')).status, 200)
  const metrics = await api.request('GET', '/metrics')
  t.is(metrics.status, 200)
  t.regex(metrics.headers.get('content-type') ?? '', /^text\/plain/)
  t.regex(metrics.text, /amt_manager_hosts/)
  t.regex(metrics.text, /amt_manager_http_requests_total\{method="GET",route="\/readyz",status="503"\} 1/)
})
