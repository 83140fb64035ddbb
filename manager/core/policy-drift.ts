import type { ProvisioningCertificateFacts } from '../dmt/provisioning-certificate-facts.ts'
import { MAX_PAGE_SIZE, type Host, type HostKey, type Inventory } from '../inventory/port.ts'
import { differsFromTarget, effectivePolicy, type PolicySource, type PolicyTarget } from './effective-policy.ts'

/** A host whose desired differs from what its effective policy asks: what a rollout would change. */
export interface DriftedHost extends HostKey {
  source: PolicySource
  /** What the policy asks. */
  target: PolicyTarget
  /** With an ACM target: the DNS suffix its eligibility was found for (the activation's). */
  dnsSuffix?: string
  /** What the host has now. */
  desired: { state: Host['desiredState']; controlMode: Host['controlMode'] }
}

export interface DriftQuery {
  /** Only hosts whose policy comes from this group. */
  group?: string
}

/**
 * The tenant's hosts whose desired differs from their effective policy (docs/policy.md "Drift"), by hostId; hosts
 * pending deletion are left out. One read of the groups, then the hosts page by page. A policy change never flips
 * the fleet: this list is what a rollout (issue 18, "Rollouts") turns into desired writes at its own pace.
 */
export async function listPolicyDrift(
  deps: {
    inventory: Pick<Inventory, 'listGroups' | 'listHosts'>
    certificates: readonly ProvisioningCertificateFacts[]
    now: Date
  },
  tenantId: string,
  query: DriftQuery = {},
): Promise<DriftedHost[]> {
  const groups = await deps.inventory.listGroups(tenantId)
  const drifted: DriftedHost[] = []
  let cursor: string | undefined
  do {
    const page = await deps.inventory.listHosts({
      tenantId,
      deletion: 'none',
      limit: MAX_PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    })
    for (const host of page.hosts) {
      const { source, target, acmEligibility } = effectivePolicy(host, groups, deps.certificates, deps.now)
      if (query.group !== undefined && source !== `group:${query.group}`) continue
      if (target === null || !differsFromTarget(host, target)) continue
      const { hostId, desiredState, controlMode } = host
      const suffix = target.controlMode === 'ACM' && acmEligibility?.eligible ? acmEligibility.via.suffix : undefined
      drifted.push({
        tenantId,
        hostId,
        source,
        target,
        ...(suffix === undefined ? {} : { dnsSuffix: suffix }),
        desired: { state: desiredState, controlMode },
      })
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return drifted
}
