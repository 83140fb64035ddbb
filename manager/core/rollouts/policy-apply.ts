import type { DriftedHost } from '../policy-drift.ts'
import type { DesiredStateAction } from '../../rollouts/rollout.ts'

/** The drifted hosts that need one action (one rollout of a policy's apply). */
export interface ActionBatch {
  action: DesiredStateAction
  hostIds: string[]
}

const keyOf = ({ state, controlMode, dnsSuffix }: DesiredStateAction): string =>
  `${state}|${controlMode ?? ''}|${dnsSuffix ?? ''}`

/**
 * A policy's drift split by the action each host's effective policy implies (docs/rollouts.md "Applying a policy"):
 * deactivate, CCM, ACM with its DNS suffix. A rollout has one action, so an apply creates one rollout per batch;
 * batches in a stable order (deactivations first, then by mode and suffix), hosts in drift order (by hostId).
 */
export function batchesOf(drifted: readonly DriftedHost[]): ActionBatch[] {
  const batches = new Map<string, ActionBatch>()
  for (const host of drifted) {
    const action: DesiredStateAction = {
      state: host.target.state,
      ...(host.target.controlMode === undefined ? {} : { controlMode: host.target.controlMode }),
      ...(host.dnsSuffix === undefined ? {} : { dnsSuffix: host.dnsSuffix }),
    }
    const key = keyOf(action)
    const batch = batches.get(key) ?? { action, hostIds: [] }
    batch.hostIds.push(host.hostId)
    batches.set(key, batch)
  }
  return [...batches.entries()].sort(([a], [b]) => (a > b ? -1 : a < b ? 1 : 0)).map(([, batch]) => batch)
}
