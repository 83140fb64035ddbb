/**
 * A host's AMT password rotation as Inventory keeps it (docs/credentials.md "Rotation"): the pending rotation is
 * recorded before the agent is asked, so a restarted manager republishes it and settles the agent's outcome; the
 * last one stays on the host (API, CLI, console) until the next. Never a password: versions and origins only.
 */
export interface PasswordRotation {
  /** The rotation id desired carries (a UUID). */
  id: string
  state: 'pending' | 'confirmed' | 'failed'
  /** The desired generation that asks for it. */
  generation: number
  /** Where the password AMT had before came from: a host version, or the tenant's static password. */
  previous: { origin: 'host' | 'tenant'; version?: number }
  /** The host secret's version that holds the new password. */
  newVersion: number
  actor: string
  requestedAt: string
  settledAt: string | null
  /** Why it failed (rpc's text, the agent's refusal); null otherwise. */
  reason: string | null
  /** A failure's rpc error name as the agent reported it (e.g. AMTAuthenticationFailed); absent when none. */
  errorName?: string
  /**
   * MPS's copy of the password (RPS's Vault device secret): `pending` until written (retried), `written`, `absent`
   * (RPS holds no secret for the device), `none` (config rotation.mpsPasswordCopy none, or no MPS); null while the
   * rotation is not confirmed (a failed one: until its new password is restored, `restoredAt`).
   */
  mpsCopy: 'pending' | 'written' | 'absent' | 'none' | null
  /**
   * Failed rotations whose new password AMT had taken after all (the deadline failed it, its confirmation lost): when
   * a password candidate made that password current again (`secret.candidate-worked`, password.restored); MPS's copy
   * then follows as for a confirmed rotation. Absent otherwise.
   */
  restoredAt?: string
  /**
   * Failed rotations: false until the previous password was written back as the newest version, then true (a
   * restarted manager finishes a revert it cut short); absent on other states and on records older than it.
   */
  reverted?: boolean
}

const STATES: ReadonlySet<string> = new Set(['pending', 'confirmed', 'failed'])
const COPIES: ReadonlySet<unknown> = new Set(['pending', 'written', 'absent', 'none', null])
const positive = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1
const nullableText = (value: unknown): boolean => value === null || typeof value === 'string'

/** Null when `value` is a well-formed rotation record, else what is wrong with it. */
export function rotationProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object'
  const rotation = value as Partial<Record<keyof PasswordRotation, unknown>>
  const previous = rotation.previous as { origin?: unknown; version?: unknown } | undefined
  if (typeof rotation.id !== 'string' || rotation.id === '') return 'id must be a non-empty string'
  if (typeof rotation.state !== 'string' || !STATES.has(rotation.state))
    return 'state must be pending, confirmed or failed'
  if (!positive(rotation.generation) || !positive(rotation.newVersion)) return 'generation and newVersion must be ≥ 1'
  if (typeof previous !== 'object' || previous === null || !['host', 'tenant'].includes(String(previous.origin)))
    return 'previous.origin must be host or tenant'
  if (previous.version !== undefined && !positive(previous.version)) return 'previous.version must be ≥ 1'
  if (typeof rotation.actor !== 'string' || typeof rotation.requestedAt !== 'string') return 'actor and requestedAt'
  if (!nullableText(rotation.settledAt) || !nullableText(rotation.reason)) return 'settledAt and reason'
  if (rotation.errorName !== undefined && typeof rotation.errorName !== 'string') return 'errorName must be a string'
  if (!COPIES.has(rotation.mpsCopy)) return 'mpsCopy must be pending, written, absent, none or null'
  if (rotation.reverted !== undefined && typeof rotation.reverted !== 'boolean') return 'reverted must be a boolean'
  if (rotation.restoredAt !== undefined && typeof rotation.restoredAt !== 'string') return 'restoredAt must be a string'
  return null
}
