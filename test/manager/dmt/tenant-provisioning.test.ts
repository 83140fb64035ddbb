import test from 'ava'
import { amtGuidOf } from '../../../manager/dmt/device-registration.ts'
import { activationProfileNameOf } from '../../../manager/dmt/rps-objects.ts'
import { removeTenantDomain, setTenantDomain } from '../../../manager/dmt/tenant-domain.ts'
import { TENANT_PASSWORD } from './dmt-harness.ts'
import { validDomainRequest } from '../../helpers/pfx.ts'
import { provisioningSetup } from './provisioning-setup.ts'

test('static tenant: the first activation creates the CIRA config and the CCM profile and registers the device; a repeat writes nothing', async (t) => {
  const s = await provisioningSetup(t)
  const [key] = s.keys
  if (!key) return t.fail()
  await s.activate()
  t.like(s.rps.ciraConfigs.get('acme'), {
    configName: 'acme',
    mpsServerAddress: 'mps.example.com',
    commonName: 'mps.example.com',
    mpsPort: 4433,
    serverAddressFormat: 201,
    authMethod: 2,
    username: 'admin',
    mpsRootCertificate: s.mps.certificateBody,
    proxyDetails: '',
  })
  t.like(s.rps.profiles.get('acme_ccm'), {
    activation: 'ccmactivate',
    userConsent: 'All',
    ciraConfigName: 'acme',
    generateRandomPassword: false,
    dhcpEnabled: true,
  })
  t.deepEqual(s.rps.activationSecretsOf('acme_ccm'), { amtPassword: TENANT_PASSWORD, mebxPassword: TENANT_PASSWORD })
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'], 'no ACM profile without an ACM domain')
  t.like(s.mps.devices.get(amtGuidOf(key)), { tags: [`tenant:acme`, `host:${key.hostId}`], mpsusername: 'admin' })
  t.true(s.mps.connect(amtGuidOf(key)), 'MPS accepts the CIRA connection of the registered device')
  t.like(s.outbound.last(key, 'desired'), { state: 'PROVISIONED', profileName: 'acme_ccm', rpsUrl: undefined })

  const rpsMark = s.rps.server.requests.length
  const mpsMark = s.mps.server.requests.length
  await s.activate()
  t.deepEqual(s.rps.server.since(rpsMark, 'POST'), [], 'zero POSTs on the second call')
  t.deepEqual(s.rps.server.writesSince(rpsMark), [])
  t.deepEqual(s.mps.server.writesSince(mpsMark), [])
  t.is(s.outbound.last(key, 'desired')?.generation, 2)
})

test('a deleted profile is recreated, a changed one replaced, a rotated MPS certificate replaces the CIRA config', async (t) => {
  const s = await provisioningSetup(t)
  await s.activate()

  s.rps.profiles.delete('acme_ccm')
  let mark = s.rps.server.requests.length
  await s.activate()
  t.deepEqual(
    s.rps.server.writesSince(mark).map(({ method, path }) => `${method} ${path}`),
    ['POST /api/v1/admin/profiles'],
  )
  t.deepEqual(s.rps.activationSecretsOf('acme_ccm')?.amtPassword, TENANT_PASSWORD)

  const stored = s.rps.profiles.get('acme_ccm')
  if (stored) stored.kvmEnabled = false
  mark = s.rps.server.requests.length
  await s.activate()
  t.deepEqual(
    s.rps.server.writesSince(mark).map(({ method }) => method),
    ['PATCH'],
    'replaced in place, never deleted',
  )
  t.like(s.rps.profiles.get('acme_ccm'), { kvmEnabled: true })

  s.mps.certificateBody = 'Um90YXRlZENlcnQ='
  await s.activate()
  t.like(s.rps.ciraConfigs.get('acme'), { mpsRootCertificate: 'Um90YXRlZENlcnQ=' })
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'], 'the profiles that referred to the old config are back')
})

test('an ACM domain brings the <tenant>_acm profile (acmactivate, userConsent None); removing it removes both', async (t) => {
  const s = await provisioningSetup(t)
  const domain = await validDomainRequest(t)
  const { created } = await setTenantDomain(s.dmt.rps, 'acme', domain)
  t.true(created)
  t.like(s.rps.domains.get('acme'), {
    profileName: 'acme',
    domainSuffix: 'acme.example.com',
    provisioningCertStorageFormat: 'string',
  })
  t.false(
    (await setTenantDomain(s.dmt.rps, 'acme', { ...domain, domainSuffix: 'corp.example.com' })).created,
    'a second set replaces',
  )
  t.like(s.rps.domains.get('acme'), { domainSuffix: 'corp.example.com' })
  await s.activate()
  const mark = s.rps.server.requests.length
  await s.activate()
  t.deepEqual(s.rps.server.writesSince(mark), [], 'a repeat with the ACM profile writes nothing')
  t.like(s.rps.profiles.get('acme_acm'), { activation: 'acmactivate', userConsent: 'None', ciraConfigName: 'acme' })
  t.deepEqual(s.rps.activationSecretsOf('acme_acm'), { amtPassword: TENANT_PASSWORD, mebxPassword: TENANT_PASSWORD })

  t.true(await removeTenantDomain(s.dmt.rps, 'acme'))
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'])
  t.is(s.rps.domains.size, 0)
})

test('random policy: one profile per host carrying that host password; no tenant-level profile; a repeat writes nothing', async (t) => {
  const s = await provisioningSetup(t, { policy: 'random', hosts: 2 })
  const [first, second] = s.keys
  if (!first || !second) return t.fail()
  s.passwords.setHost(first, { password: 'Host-One-Pw1!', mebxPassword: 'Mebx-One-Pw1!' })
  s.passwords.setHost(second, { password: 'Host-Two-Pw2!' })
  await s.activate()
  t.deepEqual(s.rps.profileNames(), [`${first.hostId}@acme_ccm`, `${second.hostId}@acme_ccm`].sort())
  t.deepEqual(
    s.rps.activationSecretsOf(`${first.hostId}@acme_ccm`),
    { amtPassword: 'Host-One-Pw1!', mebxPassword: 'Mebx-One-Pw1!' },
    'what the device gets is what the secret store holds',
  )
  t.deepEqual(s.rps.activationSecretsOf(`${second.hostId}@acme_ccm`), {
    amtPassword: 'Host-Two-Pw2!',
    mebxPassword: 'Host-Two-Pw2!',
  })
  t.is(s.mps.devices.size, 2)
  const mark = s.rps.server.requests.length
  await s.activate()
  t.deepEqual(s.rps.server.writesSince(mark), [])
})

test('switching a tenant to the random policy removes its tenant-level profiles', async (t) => {
  const s = await provisioningSetup(t)
  await s.activate()
  await s.inventory.updateTenant('acme', { passwordPolicy: 'random' })
  const [key] = s.keys
  if (!key) return t.fail()
  s.passwords.setHost(key, { password: 'Host-One-Pw1!' })
  await s.activate()
  t.deepEqual(s.rps.profileNames(), [`${key.hostId}@acme_ccm`])
})

test('removing a tenant removes its profiles (tenant and per-host), domain and CIRA config, not other tenants', async (t) => {
  const s = await provisioningSetup(t)
  await setTenantDomain(s.dmt.rps, 'acme', await validDomainRequest(t))
  await s.activate()
  await s.inventory.createTenant({ tenantId: 'beta', passwordPolicy: 'random' })
  const beta = { tenantId: 'beta', hostId: '4c4c4544-0000-4000-8000-0000000000b1' }
  await s.inventory.createHost(beta)
  s.passwords.setHost(beta, { password: 'Beta-Host-Pw1!' })
  await s.activate([beta])
  t.deepEqual(s.rps.profileNames(), [`${beta.hostId}@beta_ccm`, 'acme_acm', 'acme_ccm'])

  await s.dmt.removeTenant('acme')
  t.deepEqual(s.rps.profileNames(), [`${beta.hostId}@beta_ccm`])
  t.deepEqual([...s.rps.ciraConfigs.keys()], ['beta'])
  t.is(s.rps.domains.size, 0)

  await s.dmt.removeHost(beta)
  t.deepEqual(s.rps.profileNames(), [])
  t.is(s.mps.devices.has(beta.hostId), false)
})

test('the profile a host activates with: its tenant profile (static) or its own (random)', (t) => {
  const key = { tenantId: 'acme', hostId: 'h1' }
  t.is(activationProfileNameOf('static', key, 'CCM'), 'acme_ccm')
  t.is(activationProfileNameOf('static', key, 'ACM'), 'acme_acm')
  t.is(activationProfileNameOf('static', key, 'UNSPECIFIED'), 'acme_ccm')
  t.is(activationProfileNameOf('random', key, 'ACM'), 'h1@acme_acm')
  t.is(activationProfileNameOf('random', key, 'CCM'), 'h1@acme_ccm')
})
