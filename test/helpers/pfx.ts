import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { execa } from 'execa'
import forge from 'node-forge'

/**
 * ACM provisioning certificates (.pfx) made with the openssl CLI in a temp dir, as a CA vendor would issue them:
 * an RSA root CA → a leaf `host.<suffix>` with the Intel AMT activation EKU, leaf and root in a password-protected
 * PKCS#12. Each variant breaks exactly one of the checks RPS makes (issue #13 fact 3). The directory is removed in
 * t.teardown. Missing openssl fails the test with a clear message.
 */

const AMT_ACTIVATION_EKU = '2.16.840.1.113741.1.2.3'
const PFX_PASSWORD = 'Pfx-Secret-1'

export type PfxVariant =
  | 'valid'
  /** Valid, but `provisioningCertPassword` is not the one it was exported with. */
  | 'wrong-password'
  /** CN `host.other.test`: its last two labels do not match the suffix. */
  | 'wrong-suffix'
  | 'expired'
  /** Valid, expiring in 10 days (the manager warns within 30). */
  | 'expiring-soon'
  | 'missing-eku'
  /** A 1024-bit leaf key. */
  | 'short-key'
  /** The private key in the PFX belongs to another certificate. */
  | 'key-mismatch'
  /** Leaf and key only: the root CA was left out of the PFX. */
  | 'root-missing'
  /** The leaf's signature has its last byte flipped: the chain's signature does not verify. */
  | 'broken-signature'
  /** notBefore tomorrow. */
  | 'not-yet-valid'

export interface TestPfx {
  domainSuffix: string
  /** base64 of the .pfx. */
  provisioningCert: string
  provisioningCertPassword: string
  /** The leaf's notAfter. */
  notAfter: Date
}

export interface PfxKit {
  make(domainSuffix: string, variant?: PfxVariant): Promise<TestPfx>
}

const DAY = 24 * 3600 * 1000
const CA_CONFIG = `[ca]
default_ca = issuer
[issuer]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
`

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await execa('openssl', args, { cwd, reject: false })
  if ((result as { code?: string }).code === 'ENOENT')
    throw new Error('openssl is not installed: the PFX tests need the openssl CLI')
  if (result.exitCode !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${result.stderr}`)
}

/** openssl ca's date format: YYYYMMDDHHMMSSZ. */
const caDate = (date: Date): string => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`

export async function createPfxKit(t: ExecutionContext): Promise<PfxKit> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-pfx-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await Promise.all([
    writeFile(path.join(dir, 'ca.cnf'), CA_CONFIG),
    writeFile(path.join(dir, 'index.txt'), ''),
    writeFile(path.join(dir, 'serial'), '1000\n'),
  ])
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=Test Provisioning Root',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
  let count = 0
  let queue: Promise<unknown> = Promise.resolve()
  const make = async (domainSuffix: string, variant: PfxVariant): Promise<TestPfx> => {
    const name = `leaf-${++count}`
    const now = Date.now()
    const [notBefore, notAfter] = validityOf(variant, now)
    const cn = variant === 'wrong-suffix' ? 'host.other.test' : `host.${domainSuffix}`
    const eku = variant === 'missing-eku' ? 'serverAuth' : `serverAuth,${AMT_ACTIVATION_EKU}`
    await writeFile(path.join(dir, `${name}.ext`), `extendedKeyUsage=${eku}\nbasicConstraints=CA:FALSE\n`)
    await openssl(
      [
        'req',
        '-newkey',
        variant === 'short-key' ? 'rsa:1024' : 'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${cn}`,
      ],
      dir,
    )
    // openssl ca (not x509 -req): OpenSSL 3.0 sets explicit start and end dates only here, which `expired` needs.
    await openssl(
      [
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-cert',
        'root.crt',
        '-keyfile',
        'root.key',
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.crt`,
        '-notext',
        '-startdate',
        caDate(new Date(notBefore)),
        '-enddate',
        caDate(new Date(notAfter)),
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    )
    if (variant === 'broken-signature') await breakSignature(dir, `${name}.crt`)
    const der =
      variant === 'key-mismatch'
        ? await mismatchedPfx(dir, name)
        : await exportPfx(dir, name, variant !== 'root-missing')
    const password = variant === 'wrong-password' ? 'Not-The-Pfx-Password-9' : PFX_PASSWORD
    return {
      domainSuffix,
      provisioningCert: der.toString('base64'),
      provisioningCertPassword: password,
      notAfter: new Date(Math.floor(notAfter / 1000) * 1000),
    }
  }
  return {
    // openssl ca keeps its database in the directory: one certificate at a time.
    make(domainSuffix, variant = 'valid') {
      const made = queue.then(() => make(domainSuffix, variant))
      queue = made.catch(() => undefined)
      return made
    },
  }
}

/** [notBefore, notAfter] in ms. */
function validityOf(variant: PfxVariant, now: number): [number, number] {
  if (variant === 'expired') return [now - 60 * DAY, now - DAY]
  if (variant === 'not-yet-valid') return [now + DAY, now + 365 * DAY]
  return [now - DAY, now + (variant === 'expiring-soon' ? 10 : 365) * DAY]
}

async function exportPfx(dir: string, name: string, withRoot: boolean): Promise<Buffer> {
  const root = withRoot ? ['-certfile', 'root.crt'] : []
  await openssl(
    [
      'pkcs12',
      '-export',
      '-in',
      `${name}.crt`,
      '-inkey',
      `${name}.key`,
      ...root,
      '-passout',
      `pass:${PFX_PASSWORD}`,
      '-out',
      `${name}.pfx`,
    ],
    dir,
  )
  return readFile(path.join(dir, `${name}.pfx`))
}

/** Flips the last byte of the certificate's DER (inside its signature), in place. */
async function breakSignature(dir: string, file: string): Promise<void> {
  await openssl(['x509', '-in', file, '-outform', 'DER', '-out', `${file}.der`], dir)
  const der = await readFile(path.join(dir, `${file}.der`))
  der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff
  await writeFile(path.join(dir, `${file}.der`), der)
  await openssl(['x509', '-inform', 'DER', '-in', `${file}.der`, '-out', file], dir)
}

/** openssl pkcs12 refuses a key that does not match the certificate, so this one is packed with node-forge. */
async function mismatchedPfx(dir: string, name: string): Promise<Buffer> {
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}-other.key`], dir)
  const pem = async (file: string) => (await readFile(path.join(dir, file))).toString('utf8')
  const [leaf, root, otherKey] = await Promise.all([pem(`${name}.crt`), pem('root.crt'), pem(`${name}-other.key`)])
  const asn1 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(otherKey),
    [forge.pki.certificateFromPem(leaf), forge.pki.certificateFromPem(root)],
    PFX_PASSWORD,
    { algorithm: 'aes256' },
  )
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')
}

/** The ACM domain request (API body, setTenantDomain) carrying a test PFX. */
export const domainRequestOf = ({ domainSuffix, provisioningCert, provisioningCertPassword }: TestPfx) => ({
  domainSuffix,
  provisioningCert,
  provisioningCertPassword,
})

/** A valid provisioning certificate for `suffix`, as a domain request. */
export const validDomainRequest = async (t: ExecutionContext, suffix = 'acme.example.com') =>
  domainRequestOf(await (await createPfxKit(t)).make(suffix))
