import type { Logger } from '../../../lib/log.ts'
import { hostId, keyOf } from '../host-book.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import { DEFAULT_DELETION_RETRY, type DeletionRetryOptions } from './cleanup-retry.ts'

/** Config `deadlines` (docs/operations.md), as the core takes it. */
export interface DeadlineOptions {
  /** A pending activation without a result for this long becomes an error. */
  activationMs: number
  /** A pending password rotation without an outcome for this long fails (docs/credentials.md "Rotation"). */
  rotationMs: number
  /** How often overdue deadlines are looked for. */
  checkIntervalMs: number
  deletionRetry: DeletionRetryOptions
}

export const DEFAULT_DEADLINES: Readonly<DeadlineOptions> = {
  activationMs: 15 * 60_000,
  rotationMs: 15 * 60_000,
  checkIntervalMs: 30_000,
  deletionRetry: DEFAULT_DELETION_RETRY,
}

/** What a host may be awaited for: one open deadline of this kind per host at a time. */
export interface DeadlineKind {
  /** Names the kind in logs. */
  name: string
  /**
   * The host's open deadline of this kind as just written or read: `token` names what is awaited (a request time,
   * a rotation id: the expiry re-checks it on the stored host), `dueMs` when it is overdue; null when none is open.
   */
  dueOf(host: Host): { token: string; dueMs: number } | null
  /** Applies the deadline, if the stored host still awaits `token`. A throw retries it at the next check. */
  expire(key: HostKey, token: string): Promise<void>
}

export interface DeadlineWatchOptions {
  checkIntervalMs: number
  now: () => Date
  log: Logger
  kinds: readonly DeadlineKind[]
  /** Before each check: learn pending activations and rotations this process did not write (pending-deadlines.ts). */
  follow?: () => Promise<unknown>
}

interface Pending {
  kind: DeadlineKind
  key: HostKey
  token: string
  dueMs: number
}

/**
 * The deadlines of hosts (an activation, a password rotation, ...: one DeadlineKind each): every host with an open
 * one is tracked in memory (fed by every host write of this process and by the start/reconnect sweep, which reads
 * every host); a timer checks every `checkIntervalMs` and expires the overdue ones. The expiry re-checks the stored
 * host, so a result that arrived meanwhile wins. Runs only on the lease holder (manager-core.ts, whileHeld).
 */
export class DeadlineWatch {
  readonly #options: DeadlineWatchOptions
  readonly #pending = new Map<string, Pending>()
  #timer: NodeJS.Timeout | null = null
  #checking: Promise<number> | null = null

  constructor(options: DeadlineWatchOptions) {
    this.#options = options
  }

  /** Follows a host as just written or read. */
  track(host: Host): void {
    const id = hostId(host)
    for (const kind of this.#options.kinds) {
      const entry = `${kind.name}\u0000${id}`
      const due = host.deletion === 'pending' ? null : kind.dueOf(host)
      if (due === null) this.#pending.delete(entry)
      else if (this.#pending.get(entry)?.token !== due.token)
        this.#pending.set(entry, { kind, key: keyOf(host), ...due })
    }
  }

  forget(key: HostKey): void {
    const id = hostId(key)
    for (const kind of this.#options.kinds) this.#pending.delete(`${kind.name}\u0000${id}`)
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

  /** Expires every overdue deadline now; returns how many were overdue. */
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
      this.#options.log.error({ err }, 'pending activations and rotations could not be read; checking those known here')
    }
    const nowMs = this.#options.now().getTime()
    const overdue = [...this.#pending.entries()].filter(([, pending]) => pending.dueMs <= nowMs)
    for (const [entry, pending] of overdue) {
      if (this.#pending.get(entry) === pending) this.#pending.delete(entry)
      try {
        await pending.kind.expire(pending.key, pending.token)
      } catch (err) {
        const which = { err, ...pending.key, deadline: pending.kind.name }
        this.#options.log.error(which, 'deadline could not be applied; retrying at the next check')
        if (!this.#pending.has(entry)) this.#pending.set(entry, pending)
      }
    }
    return overdue.length
  }
}

/** The activation deadline: a host whose activation was requested (activationRequestedAt) and is unanswered. */
export function activationDeadline(
  activationMs: number,
  expire: (key: HostKey, requestedAt: string) => Promise<void>,
): DeadlineKind {
  return {
    name: 'activation',
    dueOf: ({ activationRequestedAt }) =>
      activationRequestedAt === null
        ? null
        : { token: activationRequestedAt, dueMs: Date.parse(activationRequestedAt) + activationMs },
    expire,
  }
}
