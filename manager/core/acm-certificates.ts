import type { ProvisioningCertificateFacts } from '../dmt/provisioning-certificate-facts.ts'
import type { StoredAcmCertificate } from '../inventory/acm-certificate.ts'
import type { Inventory } from '../inventory/port.ts'

/** A tenant's ACM provisioning certificates, read once per operation (a request, a drift list, a re-evaluation). */
export type AcmCertificates = (tenantId: string) => Promise<readonly ProvisioningCertificateFacts[]>

export const factsOfStored = (stored: StoredAcmCertificate): ProvisioningCertificateFacts => ({
  domainSuffix: stored.domainSuffix,
  commonName: stored.commonName,
  notBefore: new Date(stored.notBefore),
  notAfter: new Date(stored.notAfter),
  root: stored.root,
})

/**
 * The certificates ACM eligibility uses (docs/policy.md "ACM eligibility"): the config file's (`acm`, read-only,
 * read at start) followed by the ones stored in Inventory through the API (PUT …/acm/provisioning-certificate, or
 * the PFX of PUT …/amt/domain). Eligibility uses all of them. Each call is one indexed read of the tenant's rows, so
 * a PUT on one replica is seen by the next operation on any other; callers call it once per operation and pass the
 * list down (never per host of a drift list).
 */
export function acmCertificateReader(
  configured: Readonly<Record<string, readonly ProvisioningCertificateFacts[]>>,
  inventory: Pick<Inventory, 'listAcmCertificates'>,
): AcmCertificates {
  return async (tenantId) => {
    const fromConfig = configured[tenantId] ?? []
    const stored = await inventory.listAcmCertificates(tenantId)
    return stored.length === 0 ? fromConfig : [...fromConfig, ...stored.map(factsOfStored)]
  }
}
