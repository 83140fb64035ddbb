import type NodeVault from 'node-vault'
import type { Logger } from '../../lib/log.ts'
import { SecretStoreError } from './errors.ts'
import type { TokenLease, VaultLogin } from './vault-auth.ts'
import { toSecretStoreError } from './vault-errors.ts'

/** Runs `run` after `ms` unless cancelled (default: an unref'd setTimeout; tests pass a manual one). */
export type Schedule = (run: () => void, ms: number) => { cancel(): void }

const defaultSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms)
  timer.unref()
  return { cancel: () => clearTimeout(timer) }
}

export interface VaultSessionOptions {
  client: NodeVault.client
  login: VaultLogin
  log: Logger
  schedule?: Schedule
  /** Renew (or log in again) after this fraction of the token's lease, default 2/3. */
  renewFraction?: number
}

/**
 * The Vault token's life: log in lazily (one login at a time, shared by concurrent callers), renew it with
 * renew-self before its lease ends, and log in again when renewal fails, the token is not renewable, or Vault
 * answers 403 for it (expired or revoked). A configured token cannot be replaced: its failures are reported.
 * The token lives only in the node-vault client; it is never logged.
 */
export class VaultSession {
  readonly #client: NodeVault.client
  readonly #login: VaultLogin
  readonly #log: Logger
  readonly #schedule: Schedule
  readonly #renewFraction: number
  #lease: TokenLease | null = null
  #logins = 0
  #pending: Promise<void> | null = null
  #timer: { cancel(): void } | null = null
  #closed = false

  constructor({ client, login, log, schedule = defaultSchedule, renewFraction = 2 / 3 }: VaultSessionOptions) {
    this.#client = client
    this.#login = login
    this.#log = log
    this.#schedule = schedule
    this.#renewFraction = renewFraction
  }

  get method(): VaultLogin['method'] {
    return this.#login.method
  }

  /** Counts logins: an operation notes it before its call, so a 403 invalidates only the token it used. */
  get generation(): number {
    return this.#logins
  }

  /** Whether a refused token can be replaced by logging in again. */
  get canRelogin(): boolean {
    return this.#login.canRelogin
  }

  /** Resolves once the client holds a token (logging in when it has none). */
  async ready(): Promise<void> {
    if (this.#closed) throw new SecretStoreError('SECRET_STORE_CLOSED')
    if (this.#lease !== null) return
    this.#pending ??= this.#doLogin().finally(() => {
      this.#pending = null
    })
    await this.#pending
  }

  /** The token was refused: forget it (unless a newer login replaced it already), so `ready()` logs in again. */
  invalidate(generation: number = this.#logins): void {
    if (generation !== this.#logins) return
    this.#lease = null
    this.#cancelTimer()
  }

  /**
   * renew-self now (the timer calls it at renewFraction of the lease). Never rejects: a failed renewal logs and,
   * where possible, logs in again; when that fails too, the next operation logs in (with its retries).
   */
  async renew(): Promise<void> {
    if (this.#closed || this.#lease === null) return
    try {
      const lease = await this.#renewSelf()
      this.#lease = lease
      this.#log.info(
        { method: this.method, leaseSeconds: lease.leaseSeconds, renewable: lease.renewable },
        'vault token renewed',
      )
      this.#arm(lease)
    } catch (err) {
      const failure = toSecretStoreError(err, { operation: 'renew' })
      if (!this.canRelogin) {
        this.#log.warn(
          { method: this.method, code: failure.code, reason: failure.details.reason },
          'vault token renewal failed; the configured token cannot be replaced',
        )
        return
      }
      this.#log.warn(
        { method: this.method, code: failure.code, reason: failure.details.reason },
        'vault token renewal failed; logging in again',
      )
      await this.#relogin()
    }
  }

  close(): void {
    this.#closed = true
    this.#cancelTimer()
    this.#lease = null
    this.#client.token = ''
  }

  async #doLogin(): Promise<void> {
    const lease = await this.#login.login(this.#client)
    if (this.#closed) return
    this.#client.token = lease.token
    this.#lease = lease
    this.#logins += 1
    this.#log.info(
      { method: this.method, leaseSeconds: lease.leaseSeconds, renewable: lease.renewable },
      'vault login succeeded',
    )
    this.#arm(lease)
  }

  async #relogin(): Promise<void> {
    this.invalidate()
    try {
      await this.ready()
    } catch (err) {
      const failure = toSecretStoreError(err, { operation: 'login' })
      this.#log.warn(
        { method: this.method, code: failure.code, reason: failure.details.reason },
        'vault login failed; the next operation retries',
      )
    }
  }

  async #renewSelf(): Promise<TokenLease> {
    if (!this.#lease?.renewable)
      throw new SecretStoreError('SECRET_STORE_AUTH_FAILED', {
        operation: 'renew',
        reason: 'the token is not renewable',
      })
    const response = (await this.#client.tokenRenewSelf()) as {
      auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown }
    } | null
    const auth = response?.auth
    const leaseSeconds = typeof auth?.lease_duration === 'number' ? auth.lease_duration : 0
    if (leaseSeconds <= 0)
      throw new SecretStoreError('SECRET_STORE_AUTH_FAILED', { operation: 'renew', reason: 'renewal granted no lease' })
    const token =
      typeof auth?.client_token === 'string' && auth.client_token.length > 0 ? auth.client_token : this.#lease.token
    return { token, leaseSeconds, renewable: auth?.renewable === true }
  }

  /** Schedules the next renewal (renewable) or login (not renewable, but another login is possible). */
  #arm(lease: TokenLease): void {
    this.#cancelTimer()
    if (lease.leaseSeconds <= 0 || (!lease.renewable && !this.canRelogin)) return
    const delayMs = Math.max(1000, Math.floor(lease.leaseSeconds * 1000 * this.#renewFraction))
    this.#timer = this.#schedule(() => {
      this.#timer = null
      void (lease.renewable ? this.renew() : this.#relogin())
    }, delayMs)
  }

  #cancelTimer(): void {
    this.#timer?.cancel()
    this.#timer = null
  }
}
