import type { ProvisioningCertificateFacts } from '../dmt/provisioning-certificate-facts.ts'
import type { AmtPolicy, HostGroup } from '../inventory/amt-policy.ts'
import { labelsMatch } from '../inventory/labels.ts'
import type { Host } from '../inventory/port.ts'
import { acmEligibility, type AcmEligibility } from './acm-eligibility.ts'
import { hostCapability } from './host-condition.ts'

/**
 * A host's effective AMT policy (docs/policy.md "Effective policy"), one pure function of the host, its tenant's
 * groups, its override and the tenant's provisioning certificates: which policy applies, where it comes from, and
 * the desired state it implies.
 */

export type PolicySource = 'override' | `group:${string}` | 'none'

/** The desired state a policy implies (the request setDesired takes). */
export interface PolicyTarget {
  state: 'PROVISIONED' | 'UNPROVISIONED'
  controlMode?: 'ACM' | 'CCM'
}

export const NO_TARGET_REASONS = ['NOT_MANAGED', 'NO_CAPABILITY_FACTS', 'AMT_NOT_CAPABLE', 'ACM_NOT_ELIGIBLE'] as const
type NoTargetReason = (typeof NO_TARGET_REASONS)[number]

export interface EffectivePolicy {
  /** null: no group holds the host and it has no override. */
  policy: AmtPolicy | null
  source: PolicySource
  /** What the policy asks of the host; null: nothing (see `reason`). */
  target: PolicyTarget | null
  /** Why there is no target, or (with a target) why it is CCM where ACM was asked. */
  reason?: { code: NoTargetReason; message: string }
  /** When the policy needed it (acm, auto): the host's ACM eligibility. */
  acmEligibility?: AcmEligibility
}

/** Whether the group's selector holds the host: every label and every fact given matches. */
export function groupHolds(group: Pick<HostGroup, 'selector'>, host: Host): boolean {
  const { labels, facts } = group.selector
  if (labels !== undefined && !labelsMatch(host.labels, labels)) return false
  if (facts === undefined) return true
  if (facts.capability !== undefined && hostCapability(host) !== facts.capability) return false
  if (facts.sku !== undefined && host.sku !== facts.sku) return false
  if (facts.amtVersionPrefix !== undefined && !(host.capability?.amtVersion ?? '').startsWith(facts.amtVersionPrefix))
    return false
  return true
}

/** The group that decides: the holding group of the lowest priority, ties by name. */
export function decidingGroup(host: Host, groups: readonly HostGroup[]): HostGroup | null {
  let best: HostGroup | null = null
  for (const group of groups) {
    if (!groupHolds(group, host)) continue
    if (best === null || group.priority < best.priority || (group.priority === best.priority && group.name < best.name))
      best = group
  }
  return best
}

export function effectivePolicy(
  host: Host,
  groups: readonly HostGroup[],
  certificates: readonly ProvisioningCertificateFacts[],
  now: Date,
): EffectivePolicy {
  const group = host.policyOverride === null ? decidingGroup(host, groups) : null
  const policy = host.policyOverride ?? group?.policy ?? null
  const source: PolicySource = host.policyOverride !== null ? 'override' : group ? `group:${group.name}` : 'none'
  if (policy === null || policy.amt === 'none') {
    const message = policy === null ? 'no group holds the host and it has no override' : 'the policy is "none"'
    return { policy, source, target: null, reason: { code: 'NOT_MANAGED', message } }
  }
  const capability = hostCapability(host)
  if (capability === 'UNKNOWN') {
    const message = 'the agent has not reported its capability yet'
    return { policy, source, target: null, reason: { code: 'NO_CAPABILITY_FACTS', message } }
  }
  if (capability === 'NONE') {
    const message = `AMT is not capable${host.capability?.reason ? `: ${host.capability.reason}` : ''}`
    return { policy, source, target: null, reason: { code: 'AMT_NOT_CAPABLE', message } }
  }
  if (policy.amt === 'deactivate') return { policy, source, target: { state: 'UNPROVISIONED' } }
  if (policy.amt === 'ccm') return { policy, source, target: { state: 'PROVISIONED', controlMode: 'CCM' } }
  const eligibility = acmEligibility(host.capability, certificates, now)
  if (eligibility.eligible)
    return { policy, source, target: { state: 'PROVISIONED', controlMode: 'ACM' }, acmEligibility: eligibility }
  const reason = { code: 'ACM_NOT_ELIGIBLE' as const, message: `not ACM-eligible: ${eligibility.message}` }
  const fallback = policy.amt === 'auto' || policy.acmFallback === 'ccm'
  const target: PolicyTarget | null = fallback ? { state: 'PROVISIONED', controlMode: 'CCM' } : null
  return { policy, source, target, reason, acmEligibility: eligibility }
}

/**
 * Whether the host's desired differs from the target: another state, or (PROVISIONED) another control mode. A host
 * whose desired was never set and a target UNPROVISIONED: AMT is off unless the agent reports it on (its state, or
 * its capability report's control mode: a node activated elsewhere reports that before any state).
 */
export function differsFromTarget(host: Host, target: PolicyTarget | null): boolean {
  if (target === null) return false
  if (target.state === 'UNPROVISIONED')
    return host.desiredState !== 'UNPROVISIONED' && !(host.desiredState === 'UNSPECIFIED' && !reportedOn(host))
  return host.desiredState !== 'PROVISIONED' || host.controlMode !== target.controlMode
}

const reportedOn = (host: Host): boolean =>
  host.currentState === 'PROVISIONED' ||
  host.capability?.controlMode === 'CCM' ||
  host.capability?.controlMode === 'ACM'
