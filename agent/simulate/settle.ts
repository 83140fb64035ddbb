import type { AgentPhase } from '../../schemas/index.ts'
import type { StateBody } from '../messages.ts'

/** A host's phase as the simulator counts it: PENDING until its agent reported a state. */
export type HostPhase = AgentPhase | 'PENDING'
export const HOST_PHASES: readonly HostPhase[] = [
  'PENDING',
  'UNPROVISIONED',
  'ACTIVATING',
  'PROVISIONED',
  'DEACTIVATING',
  'FAILED',
  'NOT_SUPPORTED',
]

/**
 * Settled: nothing more will happen without a new desired. NOT_SUPPORTED always is; otherwise the agent must have
 * acted on the latest desired it received (a host that never received one is still waiting) and be in a final
 * phase: FAILED, UNPROVISIONED, or PROVISIONED with the CIRA connection no longer `connecting` (the agent still
 * watches a connecting one and may recover it).
 */
export function isSettled(state: StateBody | null, desiredGeneration: number): boolean {
  if (state === null) return false
  if (state.phase === 'NOT_SUPPORTED') return true
  if (desiredGeneration === 0 || state.observedGeneration !== desiredGeneration) return false
  if (state.phase === 'FAILED' || state.phase === 'UNPROVISIONED') return true
  return state.phase === 'PROVISIONED' && state.remoteStatus !== 'connecting'
}
