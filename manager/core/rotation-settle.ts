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
 * After a rotation settled (stored): failed → the previous password is written back as the host's newest version
 * (AMT kept it), audited `password.rotation-reverted`; confirmed → MPS's copy (config rotation.mpsPasswordCopy):
 * `vault` writes it, retried with backoff while it fails (the host shows `mpsCopy: pending`), then `written` or
 * `absent`; `none` records `none`. No password in logs or audit.
 */
export async function settleRotation(
  deps: RotationSettleDeps,
  key: HostKey,
  rotation: PasswordRotation,
): Promise<void> {
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
    return
  }
  if (deps.mpsCopy.mode !== 'vault') {
    await markCopy(deps, key, rotation.id, 'none')
    return
  }
  await markCopy(deps, key, rotation.id, 'pending')
  const backoff = deps.retry ?? COPY_RETRY
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      const outcome = await deps.mpsCopy.copy(key, rotation.newVersion)
      log.info({ ...which, outcome }, "the rotated password is in MPS's copy")
      await markCopy(deps, key, rotation.id, outcome)
      return
    } catch (err) {
      const delayMs = backoffDelay(attempt, backoff)
      log.warn({ ...which, attempt, delayMs, reason: err instanceof Error ? err.message : 'failed' }, 'MPS copy failed')
      await sleep(delayMs, deps.signal).catch(() => undefined)
    }
  }
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
