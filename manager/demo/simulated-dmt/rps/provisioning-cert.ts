import forge from 'node-forge'

/**
 * How RPS v2.40.0 checks an ACM domain's provisioning certificate before storing it (issue #13 fact 3; rps
 * domainInsertValidator's custom validator on `provisioningCert`): it opens the PFX (base64) with the password, then
 * checks in this order, stopping at the first failure, whose text is the express-validator `msg` of a 400:
 * the CN's last two labels against the suffix's, every certificate's validity dates, a self-issued root among the
 * certificates, every RSA key ≥ 2048 bits, the private key against the leaf (RPS takes the first certificate of the
 * PFX as the leaf), the chain's signatures up to that root, and the Intel AMT activation EKU on the leaf. The
 * stored domain's `expirationDate` is the leaf's notAfter. An independent model: shares no code with the manager.
 */

const AMT_ACTIVATION_OID = '2.16.840.1.113741.1.2.3'
const MIN_KEY_BITS = 2048
/** PKCS#12 bag types (RFC 7292). */
const CERT_BAG = '1.2.840.113549.1.12.10.1.3'
const KEY_BAGS = ['1.2.840.113549.1.12.10.1.1', '1.2.840.113549.1.12.10.1.2']
const DECRYPT_FAILED =
  'Unable to decrypt provisioning certificate. Please check that the password is correct, and that the certificate is a valid certificate.'

export type CertVerdict = { ok: true; expirationDate: string } | { ok: false; reason: string }

interface Opened {
  certs: forge.pki.Certificate[]
  keys: forge.pki.rsa.PrivateKey[]
}

class Refused extends Error {}

export function checkProvisioningCert(
  base64: string,
  password: string,
  domainSuffix: string,
  now = new Date(),
): CertVerdict {
  try {
    const pfx = open(base64, password)
    const leaf = pfx.certs[0]
    if (leaf === undefined) throw new Refused('No certificates found in the provisioning certificate')
    checkSuffix(leaf, domainSuffix)
    checkDates(pfx.certs, now)
    if (!pfx.certs.some(selfIssued)) throw new Refused('Provisioning certificate does not contain a root certificate')
    checkKeySizes(pfx.certs)
    checkPrivateKey(leaf, pfx.keys)
    checkChain(leaf, pfx.certs)
    checkEku(leaf)
    return { ok: true, expirationDate: leaf.validity.notAfter.toISOString() }
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message }
    throw err
  }
}

function open(base64: string, password: string): Opened {
  try {
    const der = forge.util.decode64(base64.replace(/\s+/g, ''))
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), false, password)
    const bags = (type: string) => p12.getBags({ bagType: type })[type] ?? []
    const certs = bags(CERT_BAG).flatMap((bag) => (bag.cert ? [bag.cert] : []))
    const keys = KEY_BAGS.flatMap(bags).flatMap((bag) => (bag.key ? [bag.key] : []))
    return { certs, keys }
  } catch {
    throw new Refused(DECRYPT_FAILED)
  }
}

const lastTwoLabels = (name: string): string => name.split('.').slice(-2).join('.').trim()

function checkSuffix(leaf: forge.pki.Certificate, domainSuffix: string): void {
  const cn = (leaf.subject.getField('CN') as { value?: unknown } | null)?.value
  if (typeof cn !== 'string')
    throw new Refused('Provisioning certificate does not contain a Common Name (CN) in the subject')
  if (lastTwoLabels(cn) !== lastTwoLabels(domainSuffix))
    throw new Refused('FQDN not associated with provisioning certificate')
}

function checkDates(certs: forge.pki.Certificate[], now: Date): void {
  for (const cert of certs) {
    if (cert.validity.notBefore > now)
      throw new Refused(
        `Uploaded certificate is not yet valid: notBefore date ${cert.validity.notBefore.toISOString()} is in the future`,
      )
    if (cert.validity.notAfter < now) throw new Refused('Uploaded certificate has expired')
  }
}

const selfIssued = (cert: forge.pki.Certificate): boolean => cert.subject.hash === cert.issuer.hash

function checkKeySizes(certs: forge.pki.Certificate[]): void {
  for (const cert of certs) {
    const bits = (cert.publicKey as forge.pki.rsa.PublicKey).n.bitLength()
    if (bits < MIN_KEY_BITS)
      throw new Refused(`Certificate key size ${bits} bits is below the minimum required ${MIN_KEY_BITS} bits for AMT`)
  }
}

function checkPrivateKey(leaf: forge.pki.Certificate, keys: forge.pki.rsa.PrivateKey[]): void {
  const key = keys[0]
  if (key === undefined) throw new Refused('Provisioning certificate does not contain a private key')
  if (!(leaf.publicKey as forge.pki.rsa.PublicKey).n.equals(key.n))
    throw new Refused('Private key in the PFX does not match the leaf certificate public key')
}

/** Leaf → issuers (by subject) → the root; every link's signature verified. */
function checkChain(leaf: forge.pki.Certificate, certs: forge.pki.Certificate[]): void {
  if (certs.length <= 1) return
  const chain = [leaf]
  let current = leaf
  while (!selfIssued(current)) {
    const issuer = certs.find((cert) => !chain.includes(cert) && cert.subject.hash === current.issuer.hash)
    if (issuer === undefined)
      throw new Refused('Certificate chain is broken: cannot find issuer for a certificate in the chain')
    chain.push(issuer)
    current = issuer
  }
  try {
    forge.pki.verifyCertificateChain(forge.pki.createCaStore([current]), chain)
  } catch (err) {
    const message =
      typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : 'invalid signature'
    throw new Refused(`Certificate chain signature verification failed: ${message}`)
  }
}

function checkEku(leaf: forge.pki.Certificate): void {
  const eku = leaf.getExtension('extKeyUsage') as Record<string, unknown> | undefined
  if (eku?.[AMT_ACTIVATION_OID] !== true)
    throw new Refused(`Leaf certificate is missing the Intel AMT Activation EKU OID (${AMT_ACTIVATION_OID})`)
}
