import type { Host, HostKey, PasswordRotation } from '../../inventory/port.ts'
import type { RolloutMetrics } from '../../metrics/rollout-metrics.ts'
import type { RolloutMember } from '../../rollouts/rollout.ts'
import type { MemberUpdate } from '../../rollouts/store.ts'
import { rotationRefusalOf } from './rotation-outcome.ts'

/** The one-host rotation (ManagerCore.rotatePassword, manager/core/flows/rotate-password.ts). */
export type RotatePassword = (key: HostKey, actor: string) => Promise<{ host: Host; rotation: PasswordRotation }>

/** The members' updates, and the failure that stopped the starts (the members not reached stay pending). */
export interface StartResult {
  updates: MemberUpdate[]
  failure?: unknown
}

/**
 * A rotation rollout's starts (docs/rollouts.md "Rotating passwords"): one rotatePassword per member, in order, as
 * `actor`; a started member is in progress at its rotation's generation (`inProgress`), a refusal is the member's
 * outcome (rotation-outcome.ts), any other error stops the starts. No `rotatePassword` (not wired): the first start
 * fails, so the rollout's starts are held.
 */
export async function startRotations(
  deps: { rotatePassword?: RotatePassword | undefined; metrics?: RolloutMetrics | undefined },
  { tenantId, actor, at }: { tenantId: string; actor: string; at: string },
  members: readonly RolloutMember[],
  inProgress: (member: RolloutMember, generation: number | null) => MemberUpdate,
): Promise<StartResult> {
  const updates: MemberUpdate[] = []
  for (const member of members) {
    try {
      if (deps.rotatePassword === undefined) throw new Error('password rotation is not wired')
      const { rotation } = await deps.rotatePassword({ tenantId, hostId: member.hostId }, actor)
      deps.metrics?.starts.inc({ tenant_id: tenantId })
      updates.push(inProgress(member, rotation.generation))
    } catch (failure) {
      const outcome = rotationRefusalOf(failure)
      if (outcome === null) return { updates, failure }
      const errorName = outcome.status === 'failed' ? outcome.errorName : null
      updates.push({ ...member, status: outcome.status, errorName, finishedAt: at })
    }
  }
  return { updates }
}
