import type { RpsPort } from './ports.ts'
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

/**
 * The tenant's ACM domain in RPS, named `<tenant>`: created, or replaced when it exists (RPS PATCH). The ACM
 * profile follows at the next preparation (it exists only while the domain does).
 */
export async function setTenantDomain(rps: RpsPort, tenantId: string, request: DomainRequest): Promise<{ record: DomainRecord; created: boolean }> {
  assertRpsTenantId(tenantId)
  const input: DomainInput = { profileName: domainNameOf(tenantId), provisioningCertStorageFormat: 'string', ...request }
  const existing = await rps.getDomain(input.profileName)
  if (existing === null) return { record: await rps.createDomain(input), created: true }
  return { record: await rps.updateDomain(input), created: false }
}

/** Removes the tenant's ACM domain and its `<tenant>_acm` profile; false when there was no domain. */
export async function removeTenantDomain(rps: RpsPort, tenantId: string): Promise<boolean> {
  await rps.deleteProfile(tenantProfileNameOf(tenantId, 'ACM'))
  return rps.deleteDomain(domainNameOf(tenantId))
}
