import test, { type ExecutionContext } from 'ava'
import { DmtError } from '../../manager/dmt/errors.ts'
import type { RpsPort } from '../../manager/dmt/ports.ts'
import { ciraConfigFor, profileFor } from '../../manager/dmt/rps-objects.ts'
import type { DomainInput } from '../../manager/dmt/rps-types.ts'
import { createPfxKit, type PfxVariant, type TestPfx } from '../helpers/pfx.ts'

/** A fresh, empty RPS behind the port; the factory releases it in t.teardown. */
export type RpsFactory = (t: ExecutionContext) => Promise<RpsPort>

const CONFORMANCE_PASSWORD = 'Conf0rm@nce-Pw'
const CERT = 'MIIBszCCAVmgAwIBAgIUQ29uZm9ybWFuY2U'
const cira = (tenantId: string) =>
  ciraConfigFor(tenantId, { publicAddress: 'mps.example.com', port: 4433, username: 'admin' }, CERT)
/** A real provisioning certificate for `*.example.com` suffixes (RPS compares the CN's last two labels). */
const examplePfx = async (t: ExecutionContext): Promise<TestPfx> => (await createPfxKit(t)).make('example.com')
const domainOf =
  (pfx: TestPfx) =>
  (name: string, suffix: string): DomainInput => ({
    profileName: name,
    domainSuffix: suffix,
    provisioningCert: pfx.provisioningCert,
    provisioningCertStorageFormat: 'string',
    provisioningCertPassword: pfx.provisioningCertPassword,
  })

/** RPS's reason for each refused provisioning certificate (issue #13 fact 3). */
const REFUSALS: Array<[PfxVariant, RegExp]> = [
  ['wrong-password', /Unable to decrypt provisioning certificate\. Please check that the password is correct/],
  ['wrong-suffix', /FQDN not associated with provisioning certificate/],
  ['expired', /Uploaded certificate has expired/],
  ['missing-eku', /missing the Intel AMT Activation EKU OID \(2\.16\.840\.1\.113741\.1\.2\.3\)/],
  ['short-key', /key size 1024 bits is below the minimum required 2048 bits/],
  ['key-mismatch', /Private key in the PFX does not match the leaf certificate/],
  ['root-missing', /Provisioning certificate does not contain a root certificate/],
  ['broken-signature', /Certificate chain signature verification failed/],
  ['not-yet-valid', /Uploaded certificate is not yet valid: notBefore date \d{4}-\d\d-\d\dT[\d:.]+Z is in the future/],
]

/**
 * The RpsPort contract (manager/dmt/ports.ts), run against every implementation (the REST client over the fake
 * RPS; a real RPS when one is reachable): get/list/create/delete of CIRA configs, profiles and domains with RPS's
 * 201/404/204 semantics, rejections as RPS_REJECTED without the values sent.
 */
export function rpsConformance(label: string, create: RpsFactory): void {
  test(`${label}: CIRA configs: get null, create 201, get, list, delete 204 then 404`, async (t) => {
    const rps = await create(t)
    t.is(await rps.getCiraConfig('acme'), null)
    const created = await rps.createCiraConfig(cira('acme'))
    t.like(created, {
      configName: 'acme',
      mpsServerAddress: 'mps.example.com',
      mpsPort: 4433,
      serverAddressFormat: 201,
      authMethod: 2,
      mpsRootCertificate: CERT,
    })
    t.like(await rps.getCiraConfig('acme'), {
      configName: 'acme',
      commonName: 'mps.example.com',
      username: 'admin',
      proxyDetails: '',
    })
    t.deepEqual(
      (await rps.listCiraConfigs()).map(({ configName }) => configName),
      ['acme'],
    )
    t.true(await rps.deleteCiraConfig('acme'))
    t.false(await rps.deleteCiraConfig('acme'))
    t.is(await rps.getCiraConfig('acme'), null)
  })

  test(`${label}: profiles: created with passwords, read back without them`, async (t) => {
    const rps = await create(t)
    await rps.createCiraConfig(cira('acme'))
    const created = await rps.createProfile(profileFor('acme_ccm', 'CCM', 'acme', { password: CONFORMANCE_PASSWORD }))
    t.like(created, { profileName: 'acme_ccm', activation: 'ccmactivate', ciraConfigName: 'acme', userConsent: 'All' })
    const read = await rps.getProfile('acme_ccm')
    t.like(read, {
      profileName: 'acme_ccm',
      activation: 'ccmactivate',
      dhcpEnabled: true,
      kvmEnabled: true,
      solEnabled: true,
    })
    t.is(read?.tlsSigningAuthority, null, 'sent "SelfSigned" without tlsMode: RPS keeps no TLS authority')
    t.false(JSON.stringify(read).includes(CONFORMANCE_PASSWORD), 'RPS never returns a password')
    await rps.createProfile(profileFor('acme_acm', 'ACM', 'acme', { password: CONFORMANCE_PASSWORD }))
    t.like(await rps.getProfile('acme_acm'), { activation: 'acmactivate', userConsent: 'None' })
    t.deepEqual((await rps.listProfiles()).map(({ profileName }) => profileName).sort(), ['acme_acm', 'acme_ccm'])
    t.true(await rps.deleteProfile('acme_ccm'))
    t.false(await rps.deleteProfile('acme_ccm'))
    t.is(await rps.getProfile('acme_ccm'), null)
  })

  test(`${label}: lists are complete beyond one page`, async (t) => {
    const rps = await create(t)
    await rps.createCiraConfig(cira('acme'))
    const names = Array.from({ length: 105 }, (_, i) => `p${String(i).padStart(3, '0')}`)
    for (const name of names)
      await rps.createProfile(profileFor(name, 'CCM', 'acme', { password: CONFORMANCE_PASSWORD }))
    t.deepEqual((await rps.listProfiles()).map(({ profileName }) => profileName).sort(), names)
  })

  test(`${label}: duplicates, dangling references and invalid objects are RPS_REJECTED, never echoing a password`, async (t) => {
    const rps = await create(t)
    await rps.createCiraConfig(cira('acme'))
    const duplicate = await t.throwsAsync(rps.createCiraConfig(cira('acme')), { instanceOf: DmtError })
    t.is(duplicate.code, 'RPS_REJECTED')
    t.is(duplicate.status, 400, 'RPS answers a duplicate name 400, not 409')
    t.regex(duplicate.message, /Unique key violation/)
    const dangling = await t.throwsAsync(
      rps.createProfile(profileFor('x_ccm', 'CCM', 'missing', { password: CONFORMANCE_PASSWORD })),
      { instanceOf: DmtError },
    )
    t.is(dangling.code, 'RPS_REJECTED')
    const weak = 'weakpassword'
    const invalid = await t.throwsAsync(rps.createProfile(profileFor('acme_ccm', 'CCM', 'acme', { password: weak })), {
      instanceOf: DmtError,
    })
    t.is(invalid.code, 'RPS_REJECTED')
    t.regex(invalid.message, /amtPassword/)
    t.false(invalid.message.includes(weak), 'the rejected value is not in the message')
    await rps.createProfile(profileFor('acme_ccm', 'CCM', 'acme', { password: CONFORMANCE_PASSWORD }))
    const inUse = await t.throwsAsync(rps.deleteCiraConfig('acme'), { instanceOf: DmtError })
    t.is(inUse.code, 'RPS_REJECTED', 'a CIRA config in use by a profile cannot be deleted')
    t.not(await rps.getCiraConfig('acme'), null)
  })

  test(`${label}: domains: create, replace, read back without certificate secrets, delete`, async (t) => {
    const rps = await create(t)
    const pfx = await examplePfx(t)
    const domain = domainOf(pfx)
    t.is(await rps.getDomain('acme'), null)
    const created = await rps.createDomain(domain('acme', 'acme.example.com'))
    t.like(created, { profileName: 'acme', domainSuffix: 'acme.example.com' })
    t.like(await rps.updateDomain(domain('acme', 'corp.example.com'), created.version), {
      updated: { profileName: 'acme', domainSuffix: 'corp.example.com' },
    })
    const read = await rps.getDomain('acme')
    t.like(read, { profileName: 'acme', domainSuffix: 'corp.example.com' })
    t.false(
      JSON.stringify(read).includes(pfx.provisioningCertPassword) ||
        JSON.stringify(read).includes(pfx.provisioningCert),
    )
    t.deepEqual(
      (await rps.listDomains()).map(({ profileName }) => profileName),
      ['acme'],
    )
    const clash = await t.throwsAsync(rps.createDomain(domain('other', 'corp.example.com')), { instanceOf: DmtError })
    t.is(clash.code, 'RPS_REJECTED', 'a DNS suffix belongs to one domain')
    const missing = await t.throwsAsync(rps.updateDomain(domain('nobody', 'nobody.example.com'), '1'), {
      instanceOf: DmtError,
    })
    t.is(missing.status, 404)
    t.true(await rps.deleteDomain('acme'))
    t.false(await rps.deleteDomain('acme'))
  })

  test(`${label}: domains: the provisioning certificate is opened and checked; each refusal is RPS_REJECTED with RPS's reason`, async (t) => {
    const rps = await create(t)
    const kit = await createPfxKit(t)
    for (const [variant, reason] of REFUSALS) {
      const pfx = await kit.make('example.com', variant)
      const refused = await t.throwsAsync(
        rps.createDomain(domainOf(pfx)('acme', 'acme.example.com')),
        { instanceOf: DmtError },
        variant,
      )
      t.is(refused.code, 'RPS_REJECTED', variant)
      t.is(refused.status, 400, variant)
      t.regex(refused.message, reason, variant)
      t.false(
        refused.message.includes(pfx.provisioningCertPassword) ||
          refused.message.includes(pfx.provisioningCert.slice(0, 40)),
        variant,
      )
    }
    t.is(await rps.getDomain('acme'), null, 'nothing stored')
    const valid = await kit.make('example.com')
    const created = await rps.createDomain(domainOf(valid)('acme', 'acme.example.com'))
    t.is(created.expirationDate, valid.notAfter.toISOString(), "RPS stores the leaf's notAfter")
    const bad = await kit.make('example.com', 'expired')
    const replace = await t.throwsAsync(rps.updateDomain(domainOf(bad)('acme', 'acme.example.com'), created.version), {
      instanceOf: DmtError,
    })
    t.regex(replace.message, /Uploaded certificate has expired/, 'a replacement is checked too')
    const renewal = await kit.make('example.com', 'expiring-soon')
    t.like(await rps.updateDomain(domainOf(renewal)('acme', 'acme.example.com'), created.version), {
      updated: { expirationDate: renewal.notAfter.toISOString() },
    })
  })
}

/** Versions (PostgreSQL xmin) and replacements with optimistic concurrency, as RPS v2.40 does them (issue #13). */
export function rpsVersionConformance(label: string, create: RpsFactory): void {
  test(`${label}: every record carries a version that changes on every write`, async (t) => {
    const rps = await create(t)
    const domain = domainOf(await examplePfx(t))
    const config = await rps.createCiraConfig(cira('acme'))
    const profile = await rps.createProfile(profileFor('acme_ccm', 'CCM', 'acme', { password: CONFORMANCE_PASSWORD }))
    const created = await rps.createDomain(domain('acme', 'acme.example.com'))
    for (const record of [config, profile, created]) t.not(record.version ?? null, null)
    t.is((await rps.getCiraConfig('acme'))?.version, config.version)
    t.is((await rps.getProfile('acme_ccm'))?.version, profile.version)
    t.is((await rps.getDomain('acme'))?.version, created.version)
    const replaced = await rps.updateDomain(domain('acme', 'corp.example.com'), created.version)
    if (!('updated' in replaced)) return t.fail('the current version replaces')
    t.not(replaced.updated.version, created.version)
    t.is((await rps.getDomain('acme'))?.version, replaced.updated.version)
  })

  test(`${label}: a domain PATCH without the current version is 409 with the current record, changing nothing`, async (t) => {
    const rps = await create(t)
    const domain = domainOf(await examplePfx(t))
    const created = await rps.createDomain(domain('acme', 'acme.example.com'))
    const current = { profileName: 'acme', domainSuffix: 'acme.example.com', version: created.version }
    t.like(await rps.updateDomain(domain('acme', 'corp.example.com'), undefined), { conflict: current }, 'no version')
    const { updated } = (await rps.updateDomain(domain('acme', 'new.example.com'), created.version)) as {
      updated: { version?: unknown }
    }
    t.like(
      await rps.updateDomain(domain('acme', 'corp.example.com'), created.version),
      { conflict: { domainSuffix: 'new.example.com', version: updated.version } },
      'stale version',
    )
    t.like(await rps.getDomain('acme'), { domainSuffix: 'new.example.com' })
  })

  test(`${label}: profiles and CIRA configs are replaced in place with their version; a stale one is 409`, async (t) => {
    const rps = await create(t)
    const config = await rps.createCiraConfig(cira('acme'))
    const profile = await rps.createProfile(profileFor('acme_ccm', 'CCM', 'acme', { password: CONFORMANCE_PASSWORD }))
    const changed = { ...profileFor('acme_ccm', 'CCM', 'acme', { password: CONFORMANCE_PASSWORD }), kvmEnabled: false }
    t.like(await rps.updateProfile(changed, profile.version), {
      updated: { kvmEnabled: false, tlsSigningAuthority: null },
    })
    t.like(await rps.updateProfile(changed, profile.version), {
      conflict: { profileName: 'acme_ccm', kvmEnabled: false },
    })
    t.like(await rps.updateCiraConfig({ ...cira('acme'), mpsPort: 4434 }, config.version), {
      updated: { mpsPort: 4434 },
    })
    t.like(await rps.updateCiraConfig({ ...cira('acme'), mpsPort: 4435 }, config.version), {
      conflict: { mpsPort: 4434 },
    })
    t.deepEqual(
      (await rps.listProfiles()).map(({ profileName }) => profileName),
      ['acme_ccm'],
      'nothing was deleted',
    )
  })
}
