import type { Logger } from '../../lib/log.ts'
import type { HostKey, Inventory } from '../inventory/port.ts'
import type { CandidateOrigin, PasswordRestorer } from '../ports/provisioning.ts'

export interface PasswordRestoreDeps {
  restorer: PasswordRestorer
  inventory: Pick<Inventory, 'appendAudit'>
  log: Logger
}

/**
 * Carries out a restore-password effect: the candidate AMT accepted becomes the host's current password again
 * through the durable store, then the outcome is audited (`password.restored`, security class; `password.restore-
 * skipped` when nothing had to be written or could be). No password in the log or the audit. Resolves true when
 * the candidate was made current (the caller then looks whether it was a timed-out rotation's: rotation-settle.ts).
 */
export async function restorePassword(
  { restorer, inventory, log }: PasswordRestoreDeps,
  key: HostKey,
  effect: { candidate: CandidateOrigin & { candidate: number }; generation: number },
): Promise<boolean> {
  const { candidate, origin, version } = effect.candidate
  const which = { candidate, origin, ...(version === undefined ? {} : { version }), generation: effect.generation }
  let outcome
  try {
    outcome = await restorer.restoreCandidate(key, { origin, ...(version === undefined ? {} : { version }) })
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'the secret store failed'
    outcome = { restored: false as const, reason }
  }
  if (outcome.restored) {
    log.info({ ...key, ...which, newVersion: outcome.version }, 'password candidate made current again')
    await inventory.appendAudit([
      { ...key, kind: 'password.restored', actor: 'manager', detail: { ...which, newVersion: outcome.version } },
    ])
    return true
  }
  log.warn({ ...key, ...which, reason: outcome.reason }, 'password candidate not made current')
  await inventory.appendAudit([
    { ...key, kind: 'password.restore-skipped', actor: 'manager', detail: { ...which, reason: outcome.reason } },
  ])
  return false
}
