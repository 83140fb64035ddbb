/**
 * A tenant's ACM provisioning certificate as the Inventory stores it (docs/policy.md "ACM eligibility"): the public
 * facts of the chain only — never a private key, a PFX or its password. One per tenant and source: `api` (PUT
 * …/acm/provisioning-certificate with a PEM chain) and `rps-domain` (the PFX of the tenant's RPS domain, PUT …/amt/domain).
 */
export const ACM_CERTIFICATE_SOURCES = ['api', 'rps-domain'] as const
export type AcmCertificateSource = (typeof ACM_CERTIFICATE_SOURCES)[number]

export interface AcmCertificateFactsRecord {
  /** The DNS suffix it serves, lower case. */
  domainSuffix: string
  /** The leaf's CN. */
  commonName: string
  notBefore: string
  notAfter: string
  /** The chain's self-signed root (its hashes as AMT stores them); null when the chain holds none. */
  root: { commonName: string; sha256: string; sha384: string } | null
}

export interface StoredAcmCertificate extends AcmCertificateFactsRecord {
  tenantId: string
  source: AcmCertificateSource
  actor: string
  updatedAt: string
}

export interface PutAcmCertificateInput {
  tenantId: string
  source: AcmCertificateSource
  actor: string
  facts: AcmCertificateFactsRecord
}
