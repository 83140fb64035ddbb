import type { PeerCertificate } from 'node:tls'
import type { Logger } from '../../lib/log.ts'
import { loggableUsername } from '../log-safe.ts'
import { BrokerRejection, CONNACK_SERVER_UNAVAILABLE } from '../rejection.ts'
import type { CredentialStore } from './credentials.ts'
import { usernameKind } from './decoy-hashes.ts'
import { KdfBusyError } from './kdf-lanes.ts'
import type { Principal } from './principal.ts'

/**
 * A CredentialStore in front of another that limits failed password logins per username:
 * - after `maxFailures` failures of one username within `windowMs`, its next attempts are refused without any
 *   scrypt work for a backoff of `baseBackoffMs`, doubling with each lockout in a row up to `maxBackoffMs`
 *   (BrokerRejection `login-locked`, CONNACK 3: the client retries later); a success resets the name;
 * - the lockout is logged once when it starts; the refusals are counted by the broker (authenticate.ts);
 * - known and unknown names are treated alike, so a lockout tells nothing about whether a name exists;
 * - at most `maxTrackedNames` names are tracked, least recently failed evicted first: random names cannot grow
 *   the memory (at the price that a flood of distinct names can end a lockout early — each costs a check in the
 *   bounded expensive lane, kdf-lanes.ts);
 * - device-shaped names (`<hostId>@<tenantId>`) are never locked: host ids are not secrets, so a lockout would let
 *   anyone keep a device offline with a few packets per backoff, while a device's check is cheap and its password
 *   is 192 random bits that no number of guesses finds.
 * A full expensive lane (KdfBusyError) becomes BrokerRejection `login-busy` (CONNACK 3), not a wrong password.
 */
export interface LoginGuardOptions {
  maxFailures?: number
  windowMs?: number
  baseBackoffMs?: number
  maxBackoffMs?: number
  maxTrackedNames?: number
  log: Logger
  now?: () => number
}

interface Failures {
  /** Failures since `windowStartedAt` (reset at each lockout). */
  count: number
  windowStartedAt: number
  lastFailureAt: number
  /** Lockouts in a row: the next backoff is base · 2^lockouts. */
  lockouts: number
  lockedUntil: number
}

const LOGIN_GUARD_DEFAULTS: Readonly<Required<Omit<LoginGuardOptions, 'log' | 'now'>>> = Object.freeze({
  maxFailures: 5,
  windowMs: 60_000,
  baseBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  maxTrackedNames: 10_000,
})

export class LoginGuard implements CredentialStore {
  readonly #inner: CredentialStore
  readonly #limits: Required<Omit<LoginGuardOptions, 'log' | 'now'>>
  readonly #log: Logger
  readonly #now: () => number
  /** Insertion order is failure recency (re-inserted at each failure): the first entry is evicted first. */
  readonly #failures = new Map<string, Failures>()

  constructor(inner: CredentialStore, { log, now = Date.now, ...limits }: LoginGuardOptions) {
    this.#inner = inner
    this.#limits = { ...LOGIN_GUARD_DEFAULTS, ...limits }
    this.#log = log.child({ module: 'broker/login-guard' })
    this.#now = now
  }

  /** Names tracked now (for tests and metrics). */
  get trackedNames(): number {
    return this.#failures.size
  }

  async verifyPassword(username: string, password: Buffer | string): Promise<Principal | null> {
    const lockable = usernameKind(username) === 'other'
    const failures = this.#failures.get(username)
    if (lockable && failures !== undefined && failures.lockedUntil > this.#now()) {
      throw new BrokerRejection('login-locked', CONNACK_SERVER_UNAVAILABLE)
    }
    let principal: Principal | null
    try {
      principal = await this.#inner.verifyPassword(username, password)
    } catch (err) {
      throw err instanceof KdfBusyError ? new BrokerRejection('login-busy', CONNACK_SERVER_UNAVAILABLE) : err
    }
    if (principal !== null) this.#failures.delete(username)
    else if (lockable) this.#failed(username)
    return principal
  }

  principalForCertificate(cert: PeerCertificate): Principal | null {
    return this.#inner.principalForCertificate(cert)
  }

  #failed(username: string): void {
    const now = this.#now()
    const { maxFailures, windowMs, baseBackoffMs, maxBackoffMs, maxTrackedNames } = this.#limits
    const previous = this.#failures.get(username)
    this.#failures.delete(username)
    const quiet = previous === undefined || now - previous.lastFailureAt >= windowMs
    const failures: Failures =
      previous === undefined || quiet
        ? { count: 0, windowStartedAt: now, lastFailureAt: now, lockouts: 0, lockedUntil: 0 }
        : previous
    if (now - failures.windowStartedAt >= windowMs) Object.assign(failures, { count: 0, windowStartedAt: now })
    failures.count += 1
    failures.lastFailureAt = now
    if (failures.count >= maxFailures) {
      const backoffMs = Math.min(baseBackoffMs * 2 ** failures.lockouts, maxBackoffMs)
      Object.assign(failures, {
        count: 0,
        windowStartedAt: now,
        lockedUntil: now + backoffMs,
        lockouts: failures.lockouts + 1,
      })
      const fields = {
        username: loggableUsername(username),
        failures: maxFailures,
        lockedForMs: backoffMs,
        lockoutsInARow: failures.lockouts,
      }
      this.#log.warn(
        fields,
        'login failures for one username: further attempts refused without a check until the backoff ends',
      )
    }
    this.#failures.set(username, failures)
    if (this.#failures.size > maxTrackedNames) {
      const oldest = this.#failures.keys().next()
      if (oldest.done !== true) this.#failures.delete(oldest.value)
    }
  }
}
