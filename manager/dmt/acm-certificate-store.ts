import type {
  AcmCertificateFactsRecord,
  AcmCertificateSource,
  StoredAcmCertificate,
} from '../inventory/acm-certificate.ts'
import type { Inventory } from '../inventory/port.ts'
import type { ProvisioningCertificateFacts } from './provisioning-certificate-facts.ts'

/**
 * A tenant's ACM provisioning certificate facts written to Inventory (docs/policy.md "ACM eligibility"): from the
 * API's PEM chain or from the PFX of the tenant's RPS domain. The reader is core/acm-certificates.ts.
 */

/** The facts as the Inventory stores them (times as ISO strings). */
const recordOfFacts = (facts: ProvisioningCertificateFacts): AcmCertificateFactsRecord => ({
  domainSuffix: facts.domainSuffix,
  commonName: facts.commonName,
  notBefore: facts.notBefore.toISOString(),
  notAfter: facts.notAfter.toISOString(),
  root: facts.root,
})

/**
 * Stores the tenant's certificate facts of `source`, with a tenant-level audit event `acm-certificate.set` in the
 * same transaction. Nothing is re-published: the effective policy and the drift read the certificates per
 * operation, so a CCM host that becomes ACM-eligible shows drift at once; nothing moves until a rollout.
 */
export function storeAcmCertificate(
  inventory: Pick<Inventory, 'putAcmCertificate'>,
  input: { tenantId: string; source: AcmCertificateSource; facts: ProvisioningCertificateFacts; actor: string },
): Promise<StoredAcmCertificate> {
  const { tenantId, source, facts, actor } = input
  const record = recordOfFacts(facts)
  const detail = {
    source,
    domainSuffix: record.domainSuffix,
    commonName: record.commonName,
    notAfter: record.notAfter,
    rootSha256: record.root?.sha256 ?? null,
  }
  return inventory.putAcmCertificate(
    { tenantId, source, actor, facts: record },
    { audit: [{ tenantId, kind: 'acm-certificate.set', actor, detail }] },
  )
}

/** Removes the tenant's stored certificate facts of `source` (audited `acm-certificate.removed`); false: none. */
export function removeAcmCertificate(
  inventory: Pick<Inventory, 'deleteAcmCertificate'>,
  input: { tenantId: string; source: AcmCertificateSource; actor: string },
): Promise<boolean> {
  const { tenantId, source, actor } = input
  return inventory.deleteAcmCertificate(tenantId, source, {
    audit: [{ tenantId, kind: 'acm-certificate.removed', actor, detail: { source } }],
  })
}
