import { createHash, X509Certificate } from 'node:crypto'
import { pfxCertificates } from './provisioning-certificate.ts'

/**
 * What ACM eligibility (manager/core/acm-eligibility.ts, docs/policy.md) needs of a tenant's provisioning certificate:
 * public facts only — the suffix it serves, the leaf's CN and validity, and its root's hashes as AMT stores them
 * (SHA-256 / SHA-384 of the root certificate's DER). Read with node:crypto's X509Certificate from the PFX (opened by
 * node-forge, as at upload) or from a PEM chain; nothing secret is kept.
 */
export interface ProvisioningCertificateFacts {
  /** The DNS suffix the certificate is for (the RPS domain's `domainSuffix`), lower case. */
  domainSuffix: string
  /** The leaf's CN, e.g. `provisioning.corp.example.com` or `*.corp.example.com`. */
  commonName: string
  notBefore: Date
  notAfter: Date
  /** The chain's self-signed root; null when the chain holds none. */
  root: { commonName: string; sha256: string; sha384: string } | null
}

const commonNameOf = (cert: X509Certificate): string =>
  cert.subject
    .split('\n')
    .find((part) => part.startsWith('CN='))
    ?.slice(3) ?? ''
const selfSigned = (cert: X509Certificate): boolean => cert.checkIssued(cert) && cert.verify(cert.publicKey)
const hex = (algorithm: string, der: Buffer) => createHash(algorithm).update(der).digest('hex')

/** The CN without its first label (`*.corp.example.com`, `prov.corp.example.com` → `corp.example.com`). */
function suffixOfCommonName(commonName: string): string {
  const labels = commonName.trim().toLowerCase().split('.')
  return labels.length > 2 ? labels.slice(1).join('.') : labels.join('.')
}

/** Facts of a chain (leaf: the certificate that issued none of the others); null for an empty chain. */
function factsOfChain(certs: readonly X509Certificate[], domainSuffix?: string): ProvisioningCertificateFacts | null {
  const issuesAnother = (cert: X509Certificate) => certs.some((other) => other !== cert && other.checkIssued(cert))
  const leaf = certs.find((cert) => !selfSigned(cert) && !issuesAnother(cert)) ?? certs[0]
  if (leaf === undefined) return null
  const root = certs.find(selfSigned)
  const commonName = commonNameOf(leaf)
  return {
    domainSuffix: (domainSuffix ?? suffixOfCommonName(commonName)).trim().toLowerCase().replace(/\.$/, ''),
    commonName,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    root: root
      ? { commonName: commonNameOf(root), sha256: hex('sha256', root.raw), sha384: hex('sha384', root.raw) }
      : null,
  }
}

/** Facts of an uploaded PFX (base64 + password, as `PUT .../amt/domain` takes it); null when it cannot be opened. */
export function factsOfPfx(upload: {
  domainSuffix: string
  provisioningCert: string
  provisioningCertPassword: string
}): ProvisioningCertificateFacts | null {
  const certs = pfxCertificates(upload.provisioningCert, upload.provisioningCertPassword)
  return certs === null ? null : factsOfChain(certs, upload.domainSuffix)
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** Facts of a PEM chain (public certificates only, no key); null when it holds no certificate. */
export function factsOfPem(pem: string, domainSuffix?: string): ProvisioningCertificateFacts | null {
  const certs = (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block))
  return factsOfChain(certs, domainSuffix)
}
