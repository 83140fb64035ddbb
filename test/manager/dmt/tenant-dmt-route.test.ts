import test from 'ava'
import { validDomainRequest } from '../../helpers/pfx.ts'
import { startPowerApi } from './power-api-setup.ts'

test('a tenant admin forwards the ACM domain to RPS; the answer and the audit hold no secret', async (t) => {
  const api = await startPowerApi(t)
  const domain = await validDomainRequest(t)
  const admin = await api.token('admin', 'acme')
  const answer = await api.request('PUT', '/api/v1/tenants/acme/amt/domain', { token: admin, body: domain })
  t.is(answer.status, 200)
  t.like(answer.json, { name: 'acme', domainSuffix: 'acme.example.com', created: true })
  t.like(api.rps.domains.get('acme'), { ...domain, profileName: 'acme', provisioningCertStorageFormat: 'string' })
  const [event] = await api.inventory.listAudit('acme', { limit: 1 })
  t.like(event, { kind: 'amt.domain.set', hostId: null, detail: { domainSuffix: 'acme.example.com' } })
  t.false(JSON.stringify(event).includes(domain.provisioningCertPassword))

  const replaced = await api.request('PUT', '/api/v1/tenants/acme/amt/domain', {
    token: admin,
    body: { ...domain, domainSuffix: 'corp.example.com' },
  })
  t.like(replaced.json, { domainSuffix: 'corp.example.com', created: false })

  const viewer = await api.token('viewer', 'acme')
  const view = await api.request('GET', '/api/v1/tenants/acme/amt/provisioning', { token: viewer })
  t.like(view.json, {
    ciraConfig: null,
    profiles: [],
    domain: { name: 'acme', domainSuffix: 'corp.example.com' },
    lastPreparation: null,
  })

  t.deepEqual((await api.request('DELETE', '/api/v1/tenants/acme/amt/domain', { token: admin })).json, {
    removed: true,
  })
  t.deepEqual((await api.request('DELETE', '/api/v1/tenants/acme/amt/domain', { token: admin })).json, {
    removed: false,
  })
})

test('domain access and failures: operator 403, other tenant 404, RPS rejection 502, RPS down 503', async (t) => {
  const api = await startPowerApi(t)
  const domain = await validDomainRequest(t)
  const operator = await api.token('operator', 'acme')
  t.is(
    (await api.request('PUT', '/api/v1/tenants/acme/amt/domain', { token: operator, body: domain })).json.code,
    'FORBIDDEN',
  )
  const outsider = await api.token('admin', 'other')
  t.is(
    (await api.request('PUT', '/api/v1/tenants/acme/amt/domain', { token: outsider, body: domain })).json.code,
    'TENANT_NOT_FOUND',
  )
  const admin = await api.token('admin', 'acme')
  await api.request('PUT', '/api/v1/tenants/acme/amt/domain', { token: admin, body: domain })
  await api.inventory.createTenant({ tenantId: 'beta' })
  const global = await api.token('admin', '*')
  const clash = await api.request('PUT', '/api/v1/tenants/beta/amt/domain', { token: global, body: domain })
  t.deepEqual([clash.status, clash.json.code], [502, 'RPS_REJECTED'])
  t.regex(clash.json.message ?? '', /Domain beta ID or Suffix already exists/)
  t.false((clash.json.message ?? '').includes(domain.provisioningCertPassword))
  await api.rps.server.down()
  const down = await api.request('GET', '/api/v1/tenants/acme/amt/provisioning', { token: admin })
  t.deepEqual([down.status, down.json.code], [503, 'RPS_UNAVAILABLE'])
})
