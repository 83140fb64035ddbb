import type { Logger } from '../../../lib/log.ts'
import { hostId, keyOf } from '../host-book.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import { DEFAULT_DELETION_RETRY, type DeletionRetryOptions } from './cleanup-retry.ts'

/** Config `deadlines` (docs/operations.md), as the core takes it. */
export interface DeadlineOptions {
  /** A pending activation without a result for this long becomes an error. */
  activationMs: number
  /** How often overdue activations are looked for. */
  checkIntervalMs: number
  deletionRetry: DeletionRetryOptions
}

export const DEFAULT_DEADLINES: Readonly<DeadlineOptions> = {
  activationMs: 15 * 60_000,
  checkIntervalMs: 30_000,
  deletionRetry: DEFAULT_DELETION_RETRY,
}

export interface DeadlineWatchOptions extends Omit<DeadlineOptions, 'deletionRetry'> {
  now: () => Date
  log: Logger
  /** Turns the host's pending activation (requested at `requestedAt`) into an error, if it is still pending. */
  expire: (key: HostKey, requestedAt: string) => Promise<void>
  /** Before each check: learn pending activations this process did not write (replicas; pending-activations.ts). */
  follow?: () => Promise<unknown>
}

interface Pending {
  key: HostKey
  requestedAt: string
  dueMs: number
}

/**
 * The activation deadline: every host with a pending activation (Host.activationRequestedAt set) is tracked in
 * memory (fed by every host write of this process and by the start/reconnect sweep, which reads every host);
 * a timer checks every `checkIntervalMs` and expires the overdue ones. The expiry re-checks the stored host, so
 * a result that arrived meanwhile wins.
 */
export class DeadlineWatch {
  readonly #options: DeadlineWatchOptions
  readonly #pending = new Map<string, Pending>()
  #timer: NodeJS.Timeout | null = null
  #checking: Promise<number> | null = null

  constructor(options: DeadlineWatchOptions) {
    this.#options = options
  }

  get activationMs(): number {
    return this.#options.activationMs
  }

  /** Follows a host as just written or read. */
  track(host: Host): void {
    const id = hostId(host)
    const requestedAt = host.activationRequestedAt
    if (requestedAt === null || host.deletion === 'pending') {
      this.#pending.delete(id)
      return
    }
    if (this.#pending.get(id)?.requestedAt === requestedAt) return
    const dueMs = Date.parse(requestedAt) + this.#options.activationMs
    this.#pending.set(id, { key: keyOf(host), requestedAt, dueMs })
  }

  forget(key: HostKey): void {
    this.#pending.delete(hostId(key))
  }

  get size(): number {
    return this.#pending.size
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => {
      this.check().catch((err: unknown) => this.#options.log.error({ err }, 'deadline check failed'))
    }, this.#options.checkIntervalMs)
    this.#timer.unref()
  }

  /** Stops the timer and waits for a running check. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    await this.#checking
  }

  /** Expires every overdue activation now; returns how many were overdue. */
  check(): Promise<number> {
    this.#checking ??= this.#expireOverdue().finally(() => {
      this.#checking = null
    })
    return this.#checking
  }

  async #expireOverdue(): Promise<number> {
    try {
      await this.#options.follow?.()
    } catch (err) {
      this.#options.log.error({ err }, 'pending activations could not be read; checking those known here')
    }
    const nowMs = this.#options.now().getTime()
    const overdue = [...this.#pending.entries()].filter(([, pending]) => pending.dueMs <= nowMs)
    for (const [id, pending] of overdue) {
      if (this.#pending.get(id) === pending) this.#pending.delete(id)
      try {
        await this.#options.expire(pending.key, pending.requestedAt)
      } catch (err) {
        this.#options.log.error(
          { err, ...pending.key },
          'activation deadline could not be applied; retrying at the next check',
        )
        if (!this.#pending.has(id)) this.#pending.set(id, pending)
      }
    }
    return overdue.length
  }
}
