import test from 'ava'
import type { Role } from '../../../manager/api/tokens/token-store.ts'
import { seed, startApi } from './api-harness.ts'

/** Every route of a tenant, with a valid body, so that only the tenant scope can refuse it. */
const TENANT_ROUTES = (tenant: string, role: Role): Array<[string, string, unknown]> => [
  ['GET', `/api/v1/tenants/${tenant}`, undefined],
  ['GET', `/api/v1/tenants/${tenant}/hosts`, undefined],
  ['POST', `/api/v1/tenants/${tenant}/hosts`, { hostId: 'new-host' }],
  ['GET', `/api/v1/tenants/${tenant}/hosts/h1`, undefined],
  ['PATCH', `/api/v1/tenants/${tenant}/hosts/h1/amt`, { desiredAmtState: 'PROVISIONED' }],
  ['POST', `/api/v1/tenants/${tenant}/amt/bulk`, { desiredAmtState: 'PROVISIONED' }],
  ['GET', `/api/v1/tenants/${tenant}/hosts/h1/events`, undefined],
  ['DELETE', `/api/v1/tenants/${tenant}/hosts/h1?force=true`, undefined],
  ['GET', `/api/v1/hosts?tenantId=${tenant}`, undefined],
  // Token management needs an admin; other roles get 403 there whatever the tenant (nothing leaks either way).
  ...(role === 'admin' ? [['POST', '/api/v1/tokens', { role: 'viewer', tenant }] as [string, string, unknown]] : []),
]

for (const role of ['viewer', 'operator', 'admin'] as const satisfies readonly Role[]) {
  test(`a ${role} token of tenant A gets 404 TENANT_NOT_FOUND on every route of tenant B, as for a missing tenant`, async (t) => {
    const api = await startApi(t)
    await seed(api.inventory, { a: ['h1'], b: ['h1'] })
    const token = await api.token(role, 'a')
    for (const [method, path, body] of TENANT_ROUTES('b', role)) {
      const existing = await api.request(method, path, { token, body })
      const elsewhere = (text: string) => text.replace(/\bb\b/, 'nowhere')
      const missing = await api.request(method, elsewhere(path), {
        token,
        body: body === undefined ? undefined : (JSON.parse(elsewhere(JSON.stringify(body))) as unknown),
      })
      t.is(existing.status, 404, `${method} ${path}`)
      t.is(existing.json.code, 'TENANT_NOT_FOUND', `${method} ${path}`)
      t.deepEqual(
        { ...existing.json, requestId: '' },
        { ...missing.json, requestId: '' },
        `${method} ${path}: same answer as a tenant that does not exist`,
      )
    }
    const hostB = await api.inventory.getHost({ tenantId: 'b', hostId: 'h1' })
    t.is(hostB.desiredGeneration, 0, 'nothing of tenant B changed')
    t.is((await api.inventory.listHosts({ tenantId: 'b' })).hosts.length, 1)
  })
}

test('listings of a tenant-scoped token show only its tenant (hosts, tenants, tokens)', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { a: ['h1', 'h2'], b: ['h1', 'h3'] })
  const admin = await api.token('admin', 'a')
  await api.token('viewer', 'b')
  const hosts = await api.request('GET', '/api/v1/hosts', { token: admin })
  t.deepEqual(
    (hosts.json.hosts as Array<{ tenantId: string; hostId: string }>).map(
      ({ tenantId, hostId }) => `${tenantId}/${hostId}`,
    ),
    ['a/h1', 'a/h2'],
  )
  const tenants = await api.request('GET', '/api/v1/tenants', { token: admin })
  t.deepEqual(
    (tenants.json.tenants as Array<{ tenantId: string }>).map((tenant) => tenant.tenantId),
    ['a'],
  )
  const tokens = await api.request('GET', '/api/v1/tokens', { token: admin })
  t.true((tokens.json.tokens as Array<{ tenant: string }>).every((token) => token.tenant === 'a'))
  const foreign = (await api.tokens.list()).find((token) => token.tenant === 'b')
  t.is(
    (await api.request('DELETE', `/api/v1/tokens/${foreign?.id ?? ''}`, { token: admin })).json.code,
    'TOKEN_NOT_FOUND',
  )

  const global = await api.token('viewer', '*')
  const all = await api.request('GET', '/api/v1/hosts', { token: global })
  t.is((all.json.hosts as unknown[]).length, 4)
  const onlyB = await api.request('GET', '/api/v1/hosts?tenantId=b', { token: global })
  t.deepEqual(
    (onlyB.json.hosts as Array<{ hostId: string }>).map((host) => host.hostId),
    ['h1', 'h3'],
  )
})
