import type { Host, HostPatch, PasswordRotation } from '../inventory/port.ts'
import { pendingRotation } from './publish/desired-payload.ts'
import type { AuditDraft } from './reducers/change.ts'

/** The code that starts the reason of a rotation the deadline failed (deadlines.rotationMs). */
export const ROTATION_TIMED_OUT = 'ROTATION_TIMED_OUT'

export interface RotationOutcome {
  confirmed: boolean
  /** Why it failed (rpc's text, the agent's refusal, the deadline); ignored when confirmed. */
  reason: string
  /** The rpc error name the agent gave (a failed rotation's `detail.name`), bounded; absent when none. */
  errorName?: string
}

/**
 * How a pending rotation settles, whoever settles it (the agent's event, the deadline): the rotation `confirmed` or
 * `failed` (with `reverted: false` until the previous password is written back); while desired carries it,
 * `desiredState` is in the patch: a desired write, so the write path publishes a new desired generation without
 * `rotationId` (the one publication rule, host-write-path.ts), exactly once; audited `password.rotated` / `password.rotation-failed` (no secret).
 */
export function rotationSettlement(
  host: Host & { rotation: PasswordRotation },
  { confirmed, reason, errorName }: RotationOutcome,
  now: Date,
): { patch: HostPatch; audit: AuditDraft; rotation: PasswordRotation } {
  const { rotation } = host
  const settled: PasswordRotation = {
    ...rotation,
    state: confirmed ? 'confirmed' : 'failed',
    settledAt: now.toISOString(),
    reason: confirmed ? null : reason,
    mpsCopy: null,
    ...(confirmed ? {} : { reverted: false }),
    ...(confirmed || errorName === undefined ? {} : { errorName }),
  }
  const detail = {
    rotationId: rotation.id,
    generation: rotation.generation,
    newVersion: rotation.newVersion,
    ...(confirmed ? {} : { reason: reason.slice(0, 512) }),
  }
  return {
    // Desired carries the rotation only while it is pending at the desired generation (pendingRotation).
    patch: pendingRotation(host) ? { desiredState: host.desiredState, rotation: settled } : { rotation: settled },
    audit: { kind: confirmed ? 'password.rotated' : 'password.rotation-failed', detail },
    rotation: settled,
  }
}

/**
 * The work a settled rotation still needs (rotation-settle.ts), null when none: `revert` — failed and not yet
 * reverted (`reverted: false`; records older than the marker have none and are left alone); `mps-copy` — MPS's copy
 * not yet recorded (`mpsCopy` null or pending) of a confirmed rotation, or of a failed one whose new password was
 * restored since (`restoredAt`: AMT had taken it).
 */
export function afterWorkOf(rotation: PasswordRotation | null): 'revert' | 'mps-copy' | null {
  if (rotation === null || rotation.settledAt === null || rotation.state === 'pending') return null
  const copyDue = rotation.mpsCopy === null || rotation.mpsCopy === 'pending'
  if (rotation.state === 'confirmed' || rotation.restoredAt !== undefined) return copyDue ? 'mps-copy' : null
  return rotation.reverted === false ? 'revert' : null
}

/** A settled rotation whose after-work is not done (a manager restart cut it short): afterWorkOf says which. */
export function unfinishedRotation(rotation: PasswordRotation | null): rotation is PasswordRotation {
  return afterWorkOf(rotation) !== null
}
