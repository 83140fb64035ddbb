import type { TrustedRootHash } from '../../schemas/index.ts'
import type { Capability } from '../../schemas/messages/capability.ts'
import type { ProvisioningCertificateFacts } from '../dmt/provisioning-certificate-facts.ts'

/**
 * ACM eligibility with a reason (docs/policy.md "ACM eligibility"): can this host be activated in admin control mode
 * with one of the tenant's provisioning certificates, from what its agent reported (capability) alone? Pure: the
 * same facts and `now` give the same answer. The rule, the reasons and their texts are documented in docs/policy.md
 * and tested in test/manager/core/acm-eligibility.test.ts.
 */

export const ACM_INELIGIBLE_REASONS = [
  'NO_CAPABILITY_FACTS',
  'AMT_NOT_CAPABLE',
  'NO_DNS_SUFFIX',
  'NO_CERTIFICATE_FOR_SUFFIX',
  'NO_ROOT_HASHES',
  'CERTIFICATE_CHAIN_INCOMPLETE',
  'ROOT_HASH_NOT_TRUSTED',
  'ROOT_HASH_NOT_ACTIVE',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_EXPIRED',
] as const
type AcmIneligibleReason = (typeof ACM_INELIGIBLE_REASONS)[number]

/** An eligible host is warned (still eligible) when the certificate expires within this many days. */
const EXPIRES_SOON_DAYS = 30
const DAY_MS = 24 * 3600 * 1000

export type AcmEligibility =
  | {
      eligible: true
      via: { suffix: string; suffixSource: 'amt' | 'os'; certificate: string; expiresAt: string }
      warning?: { code: 'CERTIFICATE_EXPIRES_SOON'; message: string }
    }
  | { eligible: false; reason: AcmIneligibleReason; message: string }

type Ineligible = Extract<AcmEligibility, { eligible: false }>
const no = (reason: AcmIneligibleReason, message: string): Ineligible => ({ eligible: false, reason, message })

const normalised = (suffix: string): string => suffix.trim().toLowerCase().replace(/\.$/, '')

/** The host's suffix serves the certificate's when equal or a subdomain of it (`site.corp.example.com` → `corp.example.com`). */
const suffixMatches = (hostSuffix: string, certificateSuffix: string): boolean =>
  certificateSuffix !== '' && (hostSuffix === certificateSuffix || hostSuffix.endsWith(`.${certificateSuffix}`))

function trustedHashFor(
  root: NonNullable<ProvisioningCertificateFacts['root']>,
  hashes: readonly TrustedRootHash[],
): TrustedRootHash | undefined {
  return hashes.find(
    (entry) =>
      (entry.algorithm === 'SHA256' && entry.hash === root.sha256) ||
      (entry.algorithm === 'SHA384' && entry.hash === root.sha384),
  )
}

/** One certificate's verdict for a host whose suffix it serves: null when it can be used. */
function certificateProblem(
  cert: ProvisioningCertificateFacts,
  hashes: readonly TrustedRootHash[],
  now: Date,
): Ineligible | null {
  const name = `"${cert.commonName}"`
  if (cert.root === null)
    return no('CERTIFICATE_CHAIN_INCOMPLETE', `the provisioning certificate ${name} holds no root certificate`)
  const trusted = trustedHashFor(cert.root, hashes)
  if (trusted === undefined)
    return no(
      'ROOT_HASH_NOT_TRUSTED',
      `the certificate's root hash is not among the firmware's trusted hashes (root "${cert.root.commonName}", ` +
        `SHA-256 ${cert.root.sha256})`,
    )
  if (!trusted.active)
    return no(
      'ROOT_HASH_NOT_ACTIVE',
      `the certificate's root hash is among the firmware's trusted hashes but not active (root ` +
        `"${cert.root.commonName}"): activate it in MEBx`,
    )
  if (cert.notBefore > now)
    return no(
      'CERTIFICATE_NOT_YET_VALID',
      `the provisioning certificate ${name} is not valid before ${cert.notBefore.toISOString()}`,
    )
  if (cert.notAfter <= now)
    return no('CERTIFICATE_EXPIRED', `the provisioning certificate ${name} expired on ${cert.notAfter.toISOString()}`)
  return null
}

/** Later reasons are closer to eligible: of several failing certificates the closest one is reported. */
const rank = (verdict: Ineligible): number => ACM_INELIGIBLE_REASONS.indexOf(verdict.reason)

function expiryWarning(
  cert: ProvisioningCertificateFacts,
  now: Date,
): { warning?: { code: 'CERTIFICATE_EXPIRES_SOON'; message: string } } {
  const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS)
  if (days >= EXPIRES_SOON_DAYS) return {}
  const when = days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`
  const message = `certificate expires ${when} (${cert.notAfter.toISOString()}): upload a renewed one`
  return { warning: { code: 'CERTIFICATE_EXPIRES_SOON', message } }
}

/**
 * Eligible when: the agent reported capability; AMT is capable; a DNS suffix is known (AMT's own, from MEBx or DHCP
 * option 15; else the operating system's); a certificate of the tenant serves that suffix; the agent reported AMT's
 * trusted root hashes; the certificate's chain has a root whose SHA-256 or SHA-384 is among them and active; and the
 * certificate is valid now. Of several usable certificates the one valid longest is chosen.
 */
export function acmEligibility(
  hostFacts: Capability | null,
  provisioningCerts: readonly ProvisioningCertificateFacts[],
  now: Date,
): AcmEligibility {
  if (hostFacts === null) return no('NO_CAPABILITY_FACTS', 'the agent has not reported its capability yet')
  if (!hostFacts.capable)
    return no('AMT_NOT_CAPABLE', `AMT is not capable${hostFacts.reason ? `: ${hostFacts.reason}` : ''}`)
  const amtSuffix = normalised(hostFacts.dnsSuffix)
  const suffix = amtSuffix !== '' ? amtSuffix : normalised(hostFacts.dnsSuffixOS ?? '')
  if (suffix === '')
    return no(
      'NO_DNS_SUFFIX',
      'neither AMT nor the operating system reports a DNS suffix: set it in MEBx or serve DHCP option 15',
    )
  const candidates = provisioningCerts.filter((cert) => suffixMatches(suffix, normalised(cert.domainSuffix)))
  if (candidates.length === 0)
    return no('NO_CERTIFICATE_FOR_SUFFIX', `no provisioning certificate for suffix ${suffix}`)
  const hashes = hostFacts.trustedRootHashes
  if (hashes === undefined)
    return no(
      'NO_ROOT_HASHES',
      "the agent did not report AMT's trusted root hashes (an older agent, or rpc could not read them)",
    )
  const verdicts = candidates.map((cert) => ({ cert, problem: certificateProblem(cert, hashes, now) }))
  const usable = verdicts.filter((verdict) => verdict.problem === null).map((verdict) => verdict.cert)
  const best = usable.sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0]
  if (best === undefined) {
    const problems = verdicts.flatMap((verdict) => verdict.problem ?? [])
    return problems.reduce((closest, problem) => (rank(problem) > rank(closest) ? problem : closest))
  }
  return {
    eligible: true,
    via: {
      suffix,
      suffixSource: amtSuffix !== '' ? 'amt' : 'os',
      certificate: best.commonName,
      expiresAt: best.notAfter.toISOString(),
    },
    ...expiryWarning(best, now),
  }
}
