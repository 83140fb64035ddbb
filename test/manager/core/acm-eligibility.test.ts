import test from 'ava'
import type { Capability, TrustedRootHash } from '../../../schemas/messages/capability.ts'
import { pfxCertificates } from '../../../manager/dmt/provisioning-certificate.ts'
import { EXAMPLES } from '../../../schemas/contract/examples.ts'
import { acmEligibility, ACM_INELIGIBLE_REASONS, type AcmEligibility } from '../../../manager/core/acm-eligibility.ts'
import { factsOfPfx, type ProvisioningCertificateFacts } from '../../../manager/dmt/provisioning-certificate-facts.ts'
import { createPfxKit, type PfxVariant } from '../../helpers/pfx.ts'

// Every reason of acmEligibility, table-driven, over real certificates: an openssl root CA and leaves issued by it,
// exported as password-protected PFX files and read back with factsOfPfx (node:crypto X509Certificate).

const SUFFIX = 'corp.example.com'
const OTHER_ROOT: TrustedRootHash = {
  name: 'Other Root',
  algorithm: 'SHA256',
  hash: 'ab'.repeat(32),
  active: true,
  default: true,
}

test('every ineligibility reason and the eligible cases, with their exact texts', async (t) => {
  const kit = await createPfxKit(t)
  const facts = async (variant: PfxVariant, suffix = SUFFIX): Promise<ProvisioningCertificateFacts> => {
    const found = factsOfPfx(await kit.make(suffix, variant))
    if (found === null) throw new Error(`the ${variant} PFX did not open`)
    return found
  }
  const valid = await facts('valid')
  const [expired, soon, notYet, rootless] = [
    await facts('expired'),
    await facts('expiring-soon'),
    await facts('not-yet-valid'),
    await facts('root-missing'),
  ]
  if (valid.root === null) throw new Error('the valid PFX holds its root')
  const trusted = {
    name: 'Test Provisioning Root',
    algorithm: 'SHA256',
    hash: valid.root.sha256,
    active: true,
    default: false,
  } as const
  const trusted384 = { ...trusted, algorithm: 'SHA384', hash: valid.root.sha384 } as const
  const base: Capability = { ...EXAMPLES.capability, dnsSuffix: SUFFIX, trustedRootHashes: [OTHER_ROOT, trusted] }
  const host = (more: Partial<Capability>): Capability => ({ ...base, ...more })
  const { trustedRootHashes: _dropped, ...oldAgent } = base
  const now = new Date()
  const exp = (cert: ProvisioningCertificateFacts) => cert.notAfter.toISOString()

  const cases: [string, Capability | null, ProvisioningCertificateFacts[], AcmEligibility | RegExp][] = [
    ['no capability yet', null, [valid], no('NO_CAPABILITY_FACTS', 'the agent has not reported its capability yet')],
    [
      'not capable',
      host({ capable: false, reason: 'SKU 0x2000 has neither AMT Pro nor ISM' }),
      [valid],
      no('AMT_NOT_CAPABLE', 'AMT is not capable: SKU 0x2000 has neither AMT Pro nor ISM'),
    ],
    [
      'no suffix at all',
      host({ dnsSuffix: '', dnsSuffixOS: '' }),
      [valid],
      no(
        'NO_DNS_SUFFIX',
        'neither AMT nor the operating system reports a DNS suffix: set it in MEBx or serve DHCP option 15',
      ),
    ],
    [
      'no certificate at all',
      base,
      [],
      no('NO_CERTIFICATE_FOR_SUFFIX', `no provisioning certificate for suffix ${SUFFIX}`),
    ],
    [
      'a certificate for another suffix only',
      host({ dnsSuffix: 'Lab.Other.TEST.' }),
      [valid],
      no('NO_CERTIFICATE_FOR_SUFFIX', 'no provisioning certificate for suffix lab.other.test'),
    ],
    [
      'an older agent: no root hashes',
      oldAgent,
      [valid],
      no(
        'NO_ROOT_HASHES',
        "the agent did not report AMT's trusted root hashes (an older agent, or rpc could not read them)",
      ),
    ],
    [
      'the chain has no root',
      base,
      [rootless],
      no('CERTIFICATE_CHAIN_INCOMPLETE', `the provisioning certificate "host.${SUFFIX}" holds no root certificate`),
    ],
    [
      'root not trusted',
      host({ trustedRootHashes: [OTHER_ROOT] }),
      [valid],
      no(
        'ROOT_HASH_NOT_TRUSTED',
        `the certificate's root hash is not among the firmware's trusted hashes (root "Test Provisioning Root", SHA-256 ${valid.root.sha256})`,
      ),
    ],
    [
      'root known but not active',
      host({ trustedRootHashes: [{ ...trusted, active: false }] }),
      [valid],
      no(
        'ROOT_HASH_NOT_ACTIVE',
        `the certificate's root hash is among the firmware's trusted hashes but not active (root "Test Provisioning Root"): activate it in MEBx`,
      ),
    ],
    [
      'not yet valid',
      base,
      [notYet],
      no(
        'CERTIFICATE_NOT_YET_VALID',
        `the provisioning certificate "host.${SUFFIX}" is not valid before ${notYet.notBefore.toISOString()}`,
      ),
    ],
    [
      'expired',
      base,
      [expired],
      no('CERTIFICATE_EXPIRED', `the provisioning certificate "host.${SUFFIX}" expired on ${exp(expired)}`),
    ],
    [
      'of several failing certificates, the closest reason',
      base,
      [rootless, expired],
      no('CERTIFICATE_EXPIRED', `the provisioning certificate "host.${SUFFIX}" expired on ${exp(expired)}`),
    ],
    [
      'eligible (SHA-256 root hash, AMT suffix)',
      base,
      [valid],
      {
        eligible: true,
        via: { suffix: SUFFIX, suffixSource: 'amt', certificate: `host.${SUFFIX}`, expiresAt: exp(valid) },
      },
    ],
    [
      'eligible by a SHA-384 root hash, on a subdomain, through the OS suffix',
      host({ dnsSuffix: '', dnsSuffixOS: `site1.${SUFFIX}`, trustedRootHashes: [trusted384] }),
      [valid],
      {
        eligible: true,
        via: { suffix: `site1.${SUFFIX}`, suffixSource: 'os', certificate: `host.${SUFFIX}`, expiresAt: exp(valid) },
      },
    ],
    [
      'the usable certificate valid longest wins over an expired one',
      base,
      [expired, soon, valid],
      {
        eligible: true,
        via: { suffix: SUFFIX, suffixSource: 'amt', certificate: `host.${SUFFIX}`, expiresAt: exp(valid) },
      },
    ],
    [
      'eligible, warned: expires soon',
      base,
      [soon],
      /^certificate expires in (9|10) days \(.+\): upload a renewed one$/,
    ],
  ]

  const seen = new Set<string>()
  for (const [title, capability, certs, expected] of cases) {
    const verdict = acmEligibility(capability, certs, now)
    if (!verdict.eligible) seen.add(verdict.reason)
    if (expected instanceof RegExp) {
      t.like(verdict, { eligible: true, warning: { code: 'CERTIFICATE_EXPIRES_SOON' } }, title)
      t.regex(verdict.eligible ? (verdict.warning?.message ?? '') : '', expected, title)
    } else t.deepEqual(verdict, expected, title)
  }
  t.deepEqual([...seen].sort(), [...ACM_INELIGIBLE_REASONS].sort(), 'every reason is covered')
})

test('facts of a PFX: the root hashes are those of the root certificate (X509Certificate fingerprint)', async (t) => {
  const kit = await createPfxKit(t)
  const pfx = await kit.make(SUFFIX)
  const facts = factsOfPfx(pfx)
  t.like(facts, { domainSuffix: SUFFIX, commonName: `host.${SUFFIX}`, root: { commonName: 'Test Provisioning Root' } })
  t.is(facts?.notAfter.toISOString(), pfx.notAfter.toISOString())
  t.regex(facts?.root?.sha384 ?? '', /^[0-9a-f]{96}$/)
  const root = pfxCertificates(pfx.provisioningCert, pfx.provisioningCertPassword)?.find((cert) =>
    cert.subject.includes('Test Provisioning Root'),
  )
  t.is(facts?.root?.sha256, root?.fingerprint256.replace(/:/g, '').toLowerCase(), "SHA-256 of the root's DER")
  t.is(factsOfPfx({ ...pfx, provisioningCertPassword: 'wrong-password' }), null, 'a wrong password opens nothing')
})

function no(reason: (typeof ACM_INELIGIBLE_REASONS)[number], message: string): AcmEligibility {
  return { eligible: false, reason, message }
}
