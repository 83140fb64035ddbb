import { backoffDelay, sleep } from '../../lib/backoff.ts'
import type { Logger } from '../../lib/log.ts'
import type { Host, HostKey, HostPatch, Inventory, PasswordRotation } from '../inventory/port.ts'
import type { MpsPasswordCopy, PasswordRotator } from '../ports/provisioning.ts'

export interface RotationSettleDeps {
  rotator: PasswordRotator
  mpsCopy: MpsPasswordCopy
  inventory: Pick<Inventory, 'appendAudit'>
  /** A write of the host through the core's write path (null: nothing to write). */
  edit(key: HostKey, edit: (host: Host) => HostPatch | null): Promise<Host | null>
  log: Logger
  /** Backoff of MPS copy retries; default 1 s doubling to 5 min. */
  retry?: { baseMs: number; maxMs: number }
  /** Ends the retries (the core stopping). */
  signal: AbortSignal
}

const COPY_RETRY = { baseMs: 1000, maxMs: 300_000 }

/**
 * The work after a rotation settled (stored), once per rotation in this process at a time: whoever asks while it
 * runs (the settlement's effect, the resume of unfinished rotations: rotation-deadline.ts) gets the running one.
 * Resolves true when it is done and recorded on the host, false when the revert failed (to be resumed).
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
}

/**
 * failed → the previous password is written back as the host's newest version (AMT kept it; nothing is written when
 * it is current already, so a resumed revert adds no second version), audited `password.rotation-reverted`, and the
 * rotation marked `reverted`; confirmed → MPS's copy (config rotation.mpsPasswordCopy): `vault` writes it, retried
 * with backoff while it fails (the host shows `mpsCopy: pending`), then `written` or `absent`; `none` records
 * `none`. No password in logs or audit.
 */
async function settleRotation(deps: RotationSettleDeps, key: HostKey, rotation: PasswordRotation): Promise<boolean> {
  const { log } = deps
  const which = { ...key, rotationId: rotation.id }
  if (rotation.state === 'failed') {
    let detail
    try {
      const outcome = await deps.rotator.revert(key, rotation.previous)
      detail = outcome.restored ? { newVersion: outcome.version } : { skipped: outcome.reason }
    } catch (err) {
      detail = { failed: err instanceof Error ? err.message : 'the secret store failed' }
    }
    log.warn({ ...which, ...detail }, 'password rotation failed: the previous password is current again')
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
  if (deps.mpsCopy.mode !== 'vault') {
    await markCopy(deps, key, rotation.id, 'none')
    return true
  }
  await markCopy(deps, key, rotation.id, 'pending')
  const backoff = deps.retry ?? COPY_RETRY
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      const outcome = await deps.mpsCopy.copy(key, rotation.newVersion)
      log.info({ ...which, outcome }, "the rotated password is in MPS's copy")
      await markCopy(deps, key, rotation.id, outcome)
      return true
    } catch (err) {
      const delayMs = backoffDelay(attempt, backoff)
      log.warn({ ...which, attempt, delayMs, reason: err instanceof Error ? err.message : 'failed' }, 'MPS copy failed')
      await sleep(delayMs, deps.signal).catch(() => undefined)
    }
  }
  return false
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
