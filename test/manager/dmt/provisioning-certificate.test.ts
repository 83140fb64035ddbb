import test from 'ava'
import {
  assertProvisioningCertificate,
  expiryWarningOf,
  inspectProvisioningCertificate,
  ProvisioningCertificateError,
} from '../../../manager/dmt/provisioning-certificate.ts'
import { createPfxKit, domainRequestOf, type PfxVariant } from '../../helpers/pfx.ts'

const SUFFIX = 'acme.example.com'

/** The one problem the manager reports for each broken certificate (issue #13 fact 3). */
const PROBLEMS: Array<[PfxVariant, RegExp]> = [
  ['wrong-password', /^the PFX cannot be opened: the password is wrong or it is not a PKCS#12 \(\.pfx\) file$/],
  ['wrong-suffix', /^the leaf certificate's CN "host\.other\.test" does not match the DNS suffix "acme\.example\.com"/],
  ['expired', /^the certificate "host\.acme\.example\.com" expired on \d{4}-/],
  [
    'missing-eku',
    /^the leaf certificate "host\.acme\.example\.com" lacks the Intel AMT activation EKU \(2\.16\.840\.1\.113741\.1\.2\.3\)$/,
  ],
  ['short-key', /^the certificate "host\.acme\.example\.com" has a 1024-bit key; AMT needs at least 2048 bits$/],
  ['key-mismatch', /^the private key in the PFX does not belong to the leaf certificate "host\.acme\.example\.com"$/],
  ['root-missing', /^the PFX holds no root certificate \(self-signed CA\): export it with the whole chain$/],
  [
    'broken-signature',
    /^the signature of "host\.acme\.example\.com" does not verify with its issuer "Test Provisioning Root"$/,
  ],
  ['not-yet-valid', /^the certificate "host\.acme\.example\.com" is not valid before \d{4}-\d\d-\d\dT/],
]

test('a valid provisioning certificate passes every check; its leaf notAfter is known', async (t) => {
  const pfx = await (await createPfxKit(t)).make(SUFFIX)
  t.deepEqual(inspectProvisioningCertificate(domainRequestOf(pfx)), {
    problems: [],
    leaf: { commonName: `host.${SUFFIX}`, notAfter: pfx.notAfter },
  })
  t.deepEqual(
    assertProvisioningCertificate({ ...domainRequestOf(pfx), domainSuffix: 'corp.example.com' }),
    { notAfter: pfx.notAfter },
    'RPS compares the last two labels only',
  )
})

test('each broken certificate is refused with exactly its one problem, never the password', async (t) => {
  const kit = await createPfxKit(t)
  for (const [variant, problem] of PROBLEMS) {
    const upload = domainRequestOf(await kit.make(SUFFIX, variant))
    const { problems } = inspectProvisioningCertificate(upload)
    t.is(problems.length, 1, `${variant}: ${problems.join(' | ')}`)
    t.regex(problems[0] ?? '', problem, variant)
    const error = t.throws(
      () => assertProvisioningCertificate(upload),
      { instanceOf: ProvisioningCertificateError },
      variant,
    )
    t.deepEqual(error?.problems, problems)
    t.false(error?.message.includes(upload.provisioningCertPassword), variant)
  }
})

test('every failed check is reported, not only the first', async (t) => {
  const pfx = await (await createPfxKit(t)).make(SUFFIX, 'short-key')
  const { problems } = inspectProvisioningCertificate({ ...domainRequestOf(pfx), domainSuffix: 'acme.example.org' })
  t.is(problems.length, 2)
  t.regex(problems[0] ?? '', /does not match the DNS suffix/)
  t.regex(problems[1] ?? '', /1024-bit key/)
})

test('anything that is not a PFX cannot be opened', (t) => {
  for (const provisioningCert of ['cGZ4LWJ5dGVz', '', '!!!']) {
    const { problems, leaf } = inspectProvisioningCertificate({
      domainSuffix: SUFFIX,
      provisioningCert,
      provisioningCertPassword: 'Pfx-Secret-1',
    })
    t.deepEqual([problems.length, leaf], [1, null])
    t.regex(problems[0] ?? '', /cannot be opened/)
  }
})

test('a certificate expiring within 30 days (or expired) carries a warning', (t) => {
  const now = new Date('2027-01-01T00:00:00.000Z')
  t.is(expiryWarningOf(new Date('2027-02-01T00:00:00.000Z'), now), null)
  t.is(
    expiryWarningOf(new Date('2027-01-11T00:00:00.000Z'), now),
    'the provisioning certificate expires in 10 days (2027-01-11T00:00:00.000Z): upload a renewed one',
  )
  t.regex(expiryWarningOf(new Date('2026-12-31T00:00:00.000Z'), now) ?? '', /expired on 2026-12-31/)
})
