import { isDeepStrictEqual } from 'node:util'
import type { Capability } from '../../../schemas/messages/capability.ts'
import { amtIdentityOf } from '../amt-identity.ts'
import type { Host, HostPatch } from '../../inventory/port.ts'
import { UNKNOWN_STATUS } from '../../inventory/port.ts'
import { isNotSupportedStatus, notSupported } from '../publish/status-texts.ts'
import { change, NO_CHANGE, statusPatch, type Effect, type Handler } from './change.ts'

/**
 * capability → sku (AMT / ISM; UNSPECIFIED when not capable) and the stored capability report.
 * Not capable → status "AMT not supported: <reason>" ERROR (a product requirement: surfaced as an error), and a
 * pending activation deadline is dropped (it can never be met). Capable again after "not supported" → the
 * status returns to "Unknown" until the agent's next state says more.
 * The facts the AMT policy reads (policyFacts) differ from the stored ones, or come first → a policy-facts-changed
 * effect: the manager re-evaluates the host's policy (flows/policy-reevaluation.ts); the same facts again (a
 * reconnect, a re-sent report, AMT's control mode moving after an activation) → none, so nothing loops.
 * A new AMT UUID (capability.amtUuid) that differs from the hostId → an identity-mismatch effect (a warning in the
 * log), once per change of the reported UUID, not on every report.
 */
export const handleCapability: Handler<'capability'> = (host, facts) => {
  const sku = facts.capable ? facts.sku : 'UNSPECIFIED'
  const patch: HostPatch = {}
  const effects: Effect[] = identityEffects(host, facts.report)
  if (host.sku !== sku) patch.sku = sku
  if (facts.report !== undefined && !sameContent(host.capability, facts.report)) patch.capability = facts.report
  if (!facts.capable) {
    Object.assign(patch, statusPatch(host, notSupported(facts.reason)))
    if (host.activationRequestedAt !== null) {
      patch.activationRequestedAt = null
      effects.push({ kind: 'activation-settled', requestedAt: host.activationRequestedAt, result: 'not_supported' })
    }
  } else if (isNotSupportedStatus(host.status)) {
    Object.assign(patch, statusPatch(host, { status: UNKNOWN_STATUS, statusIndicator: 'UNSPECIFIED' }))
  }
  if (patch.sku !== undefined || !samePolicyFacts(host.capability, facts.report))
    effects.push({ kind: 'policy-facts-changed' })
  if (Object.keys(patch).length === 0 && effects.length === 0) return NO_CHANGE
  const capableChanged = patch.sku !== undefined || patch.status !== undefined
  const audit = capableChanged
    ? [{ kind: 'capability', detail: { capable: facts.capable, sku, reason: facts.reason ?? null } }]
    : []
  return change(patch, audit, effects)
}

function identityEffects(host: Host, report: Capability | undefined): Effect[] {
  const identity = amtIdentityOf(host.hostId, report ?? null)
  if (identity === null || identity.matches || identity.amtUuid === host.capability?.amtUuid) return []
  return [{ kind: 'identity-mismatch', amtUuid: identity.amtUuid }]
}

/**
 * The facts a policy decides by (effective-policy.ts, acm-eligibility.ts): not the volatile ones (control mode, RAS,
 * LMS), which change with every activation. A report-less capability (the gRPC bridge) compares by SKU alone.
 */
const policyFacts = (report: Capability) => ({
  capable: report.capable,
  sku: report.sku,
  amtVersion: report.amtVersion,
  dnsSuffix: report.dnsSuffix,
  dnsSuffixOS: report.dnsSuffixOS ?? null,
  trustedRootHashes: report.trustedRootHashes ?? null,
})

function samePolicyFacts(stored: Capability | null, report: Capability | undefined): boolean {
  if (report === undefined) return true
  return stored !== null && isDeepStrictEqual(policyFacts(stored), policyFacts(report))
}

/** The same classified amtinfo, ignoring the envelope (ts, seq, bootId change with every message). */
function sameContent(stored: Capability | null, report: Capability): boolean {
  if (stored === null) return false
  return isDeepStrictEqual(withoutEnvelope(stored), withoutEnvelope(report))
}

function withoutEnvelope({
  ts: _ts,
  seq: _seq,
  bootId: _bootId,
  ...content
}: Capability): Omit<Capability, 'ts' | 'seq' | 'bootId'> {
  return content
}
