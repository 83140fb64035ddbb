import { backoffDelay, sleep } from '../../lib/backoff.ts'
import type { Logger } from '../../lib/log.ts'
import type { Host, HostKey, HostPatch, Inventory, PasswordRotation } from '../inventory/port.ts'
import type { CandidateOrigin, MpsPasswordCopy, PasswordRotator } from '../ports/provisioning.ts'
import { afterWorkOf } from './rotation-settlement.ts'

export interface RotationSettleDeps {
  rotator: PasswordRotator
  mpsCopy: MpsPasswordCopy
  inventory: Pick<Inventory, 'appendAudit'>
  /** A write of the host through the core's write path (null: nothing to write). */
  edit(key: HostKey, edit: (host: Host) => HostPatch | null): Promise<Host | null>
  log: Logger
  now: () => Date
  /** Backoff of MPS copy retries; default 1 s doubling to 5 min. */
  retry?: { baseMs: number; maxMs: number }
  /** Ends the retries (the core stopping). */
  signal: AbortSignal
}

const COPY_RETRY = { baseMs: 1000, maxMs: 300_000 }

/**
 * The work after a rotation settled (stored), once per rotation in this process at a time: whoever asks while it
 * runs (the settlement's effect, the resume of unfinished rotations: rotation-deadline.ts, a restore) gets the
 * running one. Resolves true when it is done and recorded on the host, false when the revert failed (to be resumed).
 */
export class RotationFinisher {
  readonly #deps: RotationSettleDeps
  readonly #running = new Map<string, Promise<boolean>>()

  constructor(deps: RotationSettleDeps) {
    this.#deps = deps
  }

  finish(key: HostKey, rotation: PasswordRotation): Promise<boolean> {
    const running = this.#running.get(rotation.id)
    if (running) return running
    const work = settleRotation(this.#deps, key, rotation).finally(() => this.#running.delete(rotation.id))
    this.#running.set(rotation.id, work)
    return work
  }

  /**
   * A password candidate AMT accepted was just made current again (password-restore.ts). When it is the new password
   * of the host's last rotation, which failed (the deadline timed it out, yet AMT had taken it), that rotation is
   * marked `restoredAt` and MPS's copy follows exactly as for a confirmed rotation (finish: the same copy, backoff and
   * `mpsCopy` record; resumed after a restart as well). False when the candidate was no such password.
   */
  async restored(key: HostKey, candidate: CandidateOrigin): Promise<boolean> {
    const at = this.#deps.now().toISOString()
    const stored = await this.#deps.edit(key, ({ rotation }) => {
      if (rotation?.state !== 'failed' || rotation.restoredAt !== undefined) return null
      if (candidate.origin !== 'host' || candidate.version !== rotation.newVersion) return null
      return { rotation: { ...rotation, restoredAt: at, mpsCopy: null } }
    })
    const rotation = stored?.rotation
    if (rotation?.restoredAt !== at) return false
    this.#deps.log.info(
      { ...key, rotationId: rotation.id, newVersion: rotation.newVersion },
      "a timed-out rotation's new password is current again: MPS's copy follows",
    )
    return this.finish(key, rotation)
  }
}

/**
 * What afterWorkOf says the stored rotation needs. revert (failed) → the previous password is written back as the
 * host's newest version (AMT kept it; nothing is written when it is current already, so a resumed revert adds no
 * second version), audited `password.rotation-reverted`, and the rotation marked `reverted`. mps-copy (confirmed,
 * or failed with its new password restored) → copyToMps. No password in logs or audit.
 */
async function settleRotation(deps: RotationSettleDeps, key: HostKey, rotation: PasswordRotation): Promise<boolean> {
  const work = afterWorkOf(rotation)
  if (work === 'mps-copy') return copyToMps(deps, key, rotation)
  if (work === null) return true
  const { log } = deps
  let detail
  try {
    const outcome = await deps.rotator.revert(key, rotation.previous)
    detail = outcome.restored ? { newVersion: outcome.version } : { skipped: outcome.reason }
  } catch (err) {
    detail = { failed: err instanceof Error ? err.message : 'the secret store failed' }
  }
  log.warn(
    { ...key, rotationId: rotation.id, ...detail },
    'password rotation failed: the previous password is current again',
  )
  await deps.inventory.appendAudit([
    { ...key, kind: 'password.rotation-reverted', actor: 'manager', detail: { rotationId: rotation.id, ...detail } },
  ])
  if ('failed' in detail) return false
  await deps.edit(key, (host) =>
    host.rotation?.id === rotation.id && host.rotation.reverted === false
      ? { rotation: { ...host.rotation, reverted: true } }
      : null,
  )
  return true
}

/**
 * MPS's copy of the rotation's new password (config rotation.mpsPasswordCopy): `vault` writes it, retried with
 * backoff while it fails (the host shows `mpsCopy: pending`), then records `written` or `absent`, audited
 * `password.mps-copied`; `none` records `none`.
 */
async function copyToMps(deps: RotationSettleDeps, key: HostKey, rotation: PasswordRotation): Promise<boolean> {
  if (deps.mpsCopy.mode !== 'vault') {
    await markCopy(deps, key, rotation.id, 'none')
    return true
  }
  const which = { ...key, rotationId: rotation.id }
  await markCopy(deps, key, rotation.id, 'pending')
  const backoff = deps.retry ?? COPY_RETRY
  let outcome: 'written' | 'absent' | null = null
  for (let attempt = 0; outcome === null && !deps.signal.aborted; attempt++) {
    try {
      outcome = await deps.mpsCopy.copy(key, rotation.newVersion)
    } catch (err) {
      const delayMs = backoffDelay(attempt, backoff)
      const reason = err instanceof Error ? err.message : 'failed'
      deps.log.warn({ ...which, attempt, delayMs, reason }, 'MPS copy failed')
      await sleep(delayMs, deps.signal).catch(() => undefined)
    }
  }
  if (outcome === null) return false
  deps.log.info({ ...which, outcome }, "the rotated password is in MPS's copy")
  const detail = {
    rotationId: rotation.id,
    newVersion: rotation.newVersion,
    mpsCopy: outcome,
    ...(rotation.restoredAt === undefined ? {} : { restoredAt: rotation.restoredAt }),
  }
  await deps.inventory.appendAudit([{ ...key, kind: 'password.mps-copied', actor: 'manager', detail }])
  await markCopy(deps, key, rotation.id, outcome)
  return true
}

/** Records MPS's copy on the host's rotation, when that rotation is still the host's last one. */
async function markCopy(
  deps: RotationSettleDeps,
  key: HostKey,
  rotationId: string,
  mpsCopy: NonNullable<PasswordRotation['mpsCopy']>,
): Promise<void> {
  await deps.edit(key, (host) =>
    host.rotation?.id === rotationId && host.rotation.mpsCopy !== mpsCopy
      ? { rotation: { ...host.rotation, mpsCopy } }
      : null,
  )
}
