import type { StateFacts } from '../facts.ts'
import type { Host, HostPatch } from '../../inventory/port.ts'
import { currentStateOf, failureDetail, statusOfCurrentReport } from '../publish/state-mapping.ts'
import type { StatusText } from '../publish/status-texts.ts'
import { deactivationPending, notSupported } from '../publish/status-texts.ts'
import { change, NO_CHANGE, statusPatch, type ActivationResult, type Effect, type Handler } from './change.ts'

/**
 * state → phase, current state, reported control mode, observed generation, status text + indicator
 * (status/state-mapping.ts), activation deadline bookkeeping and the activation duration.
 *
 * Generations: a report whose observedGeneration is behind the host's desired generation speaks about an
 * earlier request (the agent has not taken the new desired yet: it just restarted and reports what it sees
 * before the retained desired arrives, or it is still finishing the previous operation). Such a report still
 * updates what the device IS (phase, current state, observed generation) but does not touch the status text,
 * which belongs to the current request: "AMT deactivated" from generation 1 must not overwrite the
 * "AMT Activation In Progress" of generation 2. The one exception is NOT_SUPPORTED: a property of the device,
 * true for every generation.
 */
export const handleState: Handler<'state'> = (host, facts) => {
  const observedGeneration = facts.observedGeneration ?? host.desiredGeneration
  const current = observedGeneration >= host.desiredGeneration
  const patch: HostPatch = {}
  if (host.phase !== facts.phase) patch.phase = facts.phase
  if (host.observedGeneration !== observedGeneration) patch.observedGeneration = observedGeneration
  const currentState = currentStateOf(facts, host.currentState)
  if (host.currentState !== currentState) patch.currentState = currentState
  // What AMT is in, as the agent's confirming amtinfo saw it (gRPC agents say nothing: the stored value stays).
  if (facts.controlMode !== undefined && host.reportedControlMode !== facts.controlMode)
    patch.reportedControlMode = facts.controlMode

  const status = statusOf(facts, host, current)
  if (status) Object.assign(patch, statusPatch(host, status))
  const effects: Effect[] = []
  const result = activationResultOf(facts, current)
  if (result !== null && host.activationRequestedAt !== null) {
    patch.activationRequestedAt = null
    effects.push({ kind: 'activation-settled', requestedAt: host.activationRequestedAt, result })
  }
  if (host.deletion === 'pending' && current && (facts.phase === 'UNPROVISIONED' || facts.phase === 'NOT_SUPPORTED')) {
    effects.push({ kind: 'deletion-ready' })
  }
  if (Object.keys(patch).length === 0 && effects.length === 0) return NO_CHANGE
  return change(patch, auditOf(host, patch, facts, observedGeneration), effects)
}

function statusOf(facts: StateFacts, host: Host, current: boolean): StatusText | null {
  // A host pending deletion whose deactivation failed stays pending: the status says so (an admin may force it).
  if (current && host.deletion === 'pending' && facts.phase === 'FAILED')
    return deactivationPending(`deactivation failed: ${failureDetail(facts)}`, 'ERROR')
  if (current) return statusOfCurrentReport(facts, host.desiredState)
  return facts.phase === 'NOT_SUPPORTED' ? notSupported(facts.reason ?? facts.error?.message) : null
}

/**
 * How the report answers a pending activation request (deadline off): done, failed, or impossible; null when it
 * does not answer it. NOT_SUPPORTED is its own result, never a failure: a node without AMT is not an incident.
 */
function activationResultOf(facts: StateFacts, current: boolean): ActivationResult | null {
  if (facts.phase === 'NOT_SUPPORTED') return 'not_supported'
  if (!current) return null
  return facts.phase === 'PROVISIONED' ? 'provisioned' : facts.phase === 'FAILED' ? 'failed' : null
}

/** A state audit event when the phase or the status text moved (not for every repeated report). */
function auditOf(host: Host, patch: HostPatch, facts: StateFacts, observedGeneration: number) {
  if (patch.phase === undefined && patch.status === undefined) return []
  return [
    {
      kind: 'state',
      detail: {
        phase: facts.phase,
        from: host.phase,
        observedGeneration,
        status: patch.status ?? host.status,
        error: facts.error ? { code: facts.error.code, name: facts.error.name, message: facts.error.message } : null,
        reason: facts.reason ?? null,
      },
    },
  ]
}
