import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto'
import forge from 'node-forge'

/**
 * The checks RPS makes on an ACM provisioning certificate (issue #13 fact 3), made before anything is written: the
 * PFX (base64) opens with the password; the leaf's CN ends in the same two labels as the DNS suffix; every
 * certificate is within its validity dates; the PFX holds a self-signed root, RSA keys of ≥ 2048 bits, the leaf's
 * private key, a chain whose signatures verify up to the root, and the Intel AMT activation EKU on the leaf.
 * Unlike RPS (which stops at the first), every failed check is reported. node-forge opens the PKCS#12; Node's
 * X509Certificate checks what is in it. Problems name certificates by CN, never the password.
 */

const AMT_ACTIVATION_EKU = '2.16.840.1.113741.1.2.3'
const MIN_KEY_BITS = 2048
/** A certificate expiring within this many days is accepted with a warning. */
const EXPIRY_WARNING_DAYS = 30
const DAY_MS = 24 * 3600 * 1000
const CANNOT_OPEN = 'the PFX cannot be opened: the password is wrong or it is not a PKCS#12 (.pfx) file'
const NO_ROOT = 'the PFX holds no root certificate (self-signed CA): export it with the whole chain'

export interface CertificateUpload {
  domainSuffix: string
  /** base64 of the .pfx. Secret. */
  provisioningCert: string
  /** Secret. */
  provisioningCertPassword: string
}

export interface CertificateInspection {
  /** One sentence per failed check; empty: RPS will accept the certificate. */
  problems: string[]
  /** The leaf's CN and notAfter, when the PFX could be opened. */
  leaf: { commonName: string; notAfter: Date } | null
}

/** A provisioning certificate that fails RPS's checks: the API answers 400 VALIDATION_FAILED with the problems. */
export class ProvisioningCertificateError extends Error {
  override readonly name = 'ProvisioningCertificateError'
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`the provisioning certificate cannot be used for ACM: ${problems.join('; ')}`)
    this.problems = problems
  }
}

interface Opened {
  certs: X509Certificate[]
  keys: KeyObject[]
}

export function inspectProvisioningCertificate(upload: CertificateUpload, now = new Date()): CertificateInspection {
  const opened = open(upload.provisioningCert, upload.provisioningCertPassword)
  if (opened === null) return { problems: [CANNOT_OPEN], leaf: null }
  const leaf = leafOf(opened.certs)
  if (leaf === undefined) return { problems: ['the PFX holds no certificate'], leaf: null }
  const hasRoot = opened.certs.some(selfSigned)
  const problems = [
    ...suffixProblems(leaf, upload.domainSuffix),
    ...opened.certs.flatMap((cert) => dateProblems(cert, now)),
    ...(hasRoot ? [] : [NO_ROOT]),
    ...opened.certs.flatMap(keyProblems),
    ...privateKeyProblems(leaf, opened.keys),
    // Without a root there is no chain to check: NO_ROOT already says what to do.
    ...(hasRoot ? chainProblems(leaf, opened.certs) : []),
    ...ekuProblems(leaf),
  ]
  return { problems, leaf: { commonName: commonNameOf(leaf) ?? '', notAfter: new Date(leaf.validTo) } }
}

/** Throws ProvisioningCertificateError unless every check passes; the leaf's notAfter otherwise. */
export function assertProvisioningCertificate(upload: CertificateUpload, now = new Date()): { notAfter: Date } {
  const { problems, leaf } = inspectProvisioningCertificate(upload, now)
  if (problems.length > 0 || leaf === null) throw new ProvisioningCertificateError(problems)
  return { notAfter: leaf.notAfter }
}

/** A warning when the certificate expires within EXPIRY_WARNING_DAYS (or has expired); null otherwise. */
export function expiryWarningOf(notAfter: Date, now = new Date()): string | null {
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS)
  if (days >= EXPIRY_WARNING_DAYS) return null
  const date = notAfter.toISOString()
  if (days < 0)
    return `the provisioning certificate expired on ${date}: ACM activations fail until a renewed one is uploaded`
  return `the provisioning certificate expires in ${days} days (${date}): upload a renewed one`
}

/** The certificates of a PFX (base64), or null when it cannot be opened with the password. */
export function pfxCertificates(base64: string, password: string): X509Certificate[] | null {
  return open(base64, password)?.certs ?? null
}

function open(base64: string, password: string): Opened | null {
  try {
    const asn1 = forge.asn1.fromDer(forge.util.decode64(base64.replace(/\s+/g, '')))
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password)
    const bagsOf = (type: string | undefined) =>
      type === undefined ? [] : (p12.getBags({ bagType: type })[type] ?? [])
    const der = (asn1: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')
    // forge keeps non-RSA certificates and keys as ASN.1 only (cert/key null): Node reads every kind.
    const certs = bagsOf(forge.pki.oids.certBag).flatMap((bag) => {
      const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1
      return asn1 ? [new X509Certificate(der(asn1))] : []
    })
    const keys = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(forge.pki.oids.keyBag)].flatMap((bag) => {
      if (bag.key) return [createPrivateKey(forge.pki.privateKeyToPem(bag.key))]
      return bag.asn1 ? [createPrivateKey({ key: der(bag.asn1), format: 'der', type: 'pkcs8' })] : []
    })
    return { certs, keys }
  } catch {
    return null
  }
}

const commonNameOf = (cert: X509Certificate): string | undefined =>
  cert.subject
    .split('\n')
    .find((part) => part.startsWith('CN='))
    ?.slice(3)
const nameOf = (cert: X509Certificate): string => `"${commonNameOf(cert) ?? cert.subject.replace(/\n/g, ', ')}"`
const selfSigned = (cert: X509Certificate): boolean => cert.checkIssued(cert) && cert.verify(cert.publicKey)
const issuerOf = (cert: X509Certificate, certs: X509Certificate[]): X509Certificate | undefined =>
  certs.find((other) => other !== cert && cert.checkIssued(other))

/** The end of the chain: the certificate that issued none of the others (the first such in the PFX). */
function leafOf(certs: X509Certificate[]): X509Certificate | undefined {
  const issuesAnother = (cert: X509Certificate) => certs.some((other) => other !== cert && other.checkIssued(cert))
  return certs.find((cert) => !selfSigned(cert) && !issuesAnother(cert)) ?? certs[0]
}

const lastTwoLabels = (name: string): string => name.trim().toLowerCase().split('.').slice(-2).join('.')

function suffixProblems(leaf: X509Certificate, domainSuffix: string): string[] {
  const cn = commonNameOf(leaf)
  if (cn === undefined) return ['the leaf certificate has no CN (it must be host.<suffix> or *.<suffix>)']
  if (lastTwoLabels(cn) === lastTwoLabels(domainSuffix)) return []
  return [`the leaf certificate's CN "${cn}" does not match the DNS suffix "${domainSuffix}" (last two labels differ)`]
}

function dateProblems(cert: X509Certificate, now: Date): string[] {
  const [from, to] = [new Date(cert.validFrom), new Date(cert.validTo)]
  if (from > now) return [`the certificate ${nameOf(cert)} is not valid before ${from.toISOString()}`]
  if (to < now) return [`the certificate ${nameOf(cert)} expired on ${to.toISOString()}`]
  return []
}

function keyProblems(cert: X509Certificate): string[] {
  const { asymmetricKeyType, asymmetricKeyDetails } = cert.publicKey
  const name = nameOf(cert)
  if (asymmetricKeyType !== 'rsa')
    return [`the certificate ${name} has a ${asymmetricKeyType ?? 'non-RSA'} key; AMT needs RSA keys`]
  const bits = asymmetricKeyDetails?.modulusLength ?? 0
  return bits < MIN_KEY_BITS
    ? [`the certificate ${name} has a ${bits}-bit key; AMT needs at least ${MIN_KEY_BITS} bits`]
    : []
}

function privateKeyProblems(leaf: X509Certificate, keys: KeyObject[]): string[] {
  if (keys.length === 0) return ['the PFX holds no private key']
  if (keys.some((key) => leaf.checkPrivateKey(key))) return []
  return [`the private key in the PFX does not belong to the leaf certificate ${nameOf(leaf)}`]
}

/** Leaf → issuer → … → a self-signed root, each signature verified with the issuer's key. */
function chainProblems(leaf: X509Certificate, certs: X509Certificate[]): string[] {
  const seen = new Set<X509Certificate>()
  for (let cert = leaf; !selfSigned(cert);) {
    seen.add(cert)
    const issuer = issuerOf(cert, certs)
    if (issuer === undefined || seen.has(issuer))
      return [`the issuer of ${nameOf(cert)} is not in the PFX: no chain to a root`]
    if (!cert.verify(issuer.publicKey))
      return [`the signature of ${nameOf(cert)} does not verify with its issuer ${nameOf(issuer)}`]
    cert = issuer
  }
  return []
}

function ekuProblems(leaf: X509Certificate): string[] {
  if (leaf.keyUsage?.includes(AMT_ACTIVATION_EKU) === true) return []
  return [`the leaf certificate ${nameOf(leaf)} lacks the Intel AMT activation EKU (${AMT_ACTIVATION_EKU})`]
}
