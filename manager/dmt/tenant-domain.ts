import { isRejected } from './errors.ts'
import { replaceVersioned } from './ensure-object.ts'
import type { RpsPort } from './ports.ts'
import { assertProvisioningCertificate } from './provisioning-certificate.ts'
import { assertRpsTenantId, domainNameOf, tenantProfileNameOf } from './rps-objects.ts'
import type { DomainInput, DomainRecord } from './rps-types.ts'

/** What a tenant admin gives for ACM: the provisioning certificate (.pfx, base64) for the tenant's DNS suffix. */
export interface DomainRequest {
  domainSuffix: string
  /** base64 of the .pfx (RPS storage format "string"). Secret. */
  provisioningCert: string
  /** Secret. */
  provisioningCertPassword: string
}

/** What setTenantDomain did, and the leaf's notAfter of the certificate it stored. */
export interface DomainSetResult {
  record: DomainRecord
  created: boolean
  notAfter: Date
}

/**
 * The tenant's ACM domain in RPS, named `<tenant>`, once the certificate passed RPS's checks here
 * (provisioning-certificate.ts; ProvisioningCertificateError before anything is written): created, or replaced
 * when it exists — a renewed provisioning certificate — by PATCH with the record's `version` (RPS answers 409 with
 * the current record without it or when another writer came first; retried with the fresh version, bounded). A
 * create that loses a race with another writer ("Unique key violation") replaces what that writer stored: the
 * caller's request is the newest. The ACM profile follows at the next preparation (it exists only while the domain
 * does).
 */
export async function setTenantDomain(
  rps: RpsPort,
  tenantId: string,
  request: DomainRequest,
): Promise<DomainSetResult> {
  assertRpsTenantId(tenantId)
  const { notAfter } = assertProvisioningCertificate(request)
  const input: DomainInput = {
    profileName: domainNameOf(tenantId),
    provisioningCertStorageFormat: 'string',
    ...request,
  }
  let existing = await rps.getDomain(input.profileName)
  if (existing === null) {
    try {
      return { record: await rps.createDomain(input), created: true, notAfter }
    } catch (err) {
      existing = isRejected(err, 'RPS') ? await rps.getDomain(input.profileName) : null
      if (existing === null) throw err
    }
  }
  // The certificate is secret (RPS never returns it), so a stored domain never "matches": it is always replaced.
  const record = await replaceVersioned(existing, {
    what: `domain ${input.profileName}`,
    matches: () => false,
    replace: (current) => rps.updateDomain(input, current.version),
  })
  return { record: record ?? existing, created: false, notAfter }
}

/** Removes the tenant's ACM domain and its `<tenant>_acm` profile; false when there was no domain. */
export async function removeTenantDomain(rps: RpsPort, tenantId: string): Promise<boolean> {
  await rps.deleteProfile(tenantProfileNameOf(tenantId, 'ACM'))
  return rps.deleteDomain(domainNameOf(tenantId))
}
