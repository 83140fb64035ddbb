import { backoffDelay } from '../../../lib/backoff.ts'
import type { Logger } from '../../../lib/log.ts'
import { hostId, keyOf } from '../host-book.ts'
import type { HostKey } from '../../inventory/port.ts'

/** Config `deadlines.deletionRetry`: the first retry after firstMs, doubling (with jitter) up to maxMs. */
export interface DeletionRetryOptions {
  firstMs: number
  maxMs: number
}

export const DEFAULT_DELETION_RETRY: Readonly<DeletionRetryOptions> = { firstMs: 10_000, maxMs: 300_000 }

export interface CleanupRetryOptions<Reason> {
  deletionRetry: DeletionRetryOptions
  /** Source of the jitter in [0, 1) (tests pass a fixed one). */
  random?: () => number
  log: Logger
  /** Tries the removal again; that calls `failed` again when it fails and `succeeded` when it is done. */
  retry: (key: HostKey, reason: Reason) => Promise<unknown>
}

interface Entry<Reason> {
  key: HostKey
  reason: Reason
  attempt: number
  timer: NodeJS.Timeout | null
}

/**
 * Retries a pending deletion whose records elsewhere (Vault, RPS, MPS) could not be removed, with exponential
 * backoff and jitter, until it succeeds, the host is gone or a DELETE retried it first. In memory only: after a
 * restart the start-up sweep retries every pending deletion whose AMT is known off.
 */
export class CleanupRetry<Reason> {
  readonly #options: CleanupRetryOptions<Reason>
  readonly #entries = new Map<string, Entry<Reason>>()
  #stopped = false

  constructor(options: CleanupRetryOptions<Reason>) {
    this.#options = options
  }

  /** The removal of this host's records failed: try again later. Returns the delay in ms. */
  failed(key: HostKey, reason: Reason): number | undefined {
    if (this.#stopped) return undefined
    const id = hostId(key)
    const entry = this.#entries.get(id) ?? { key: keyOf(key), reason, attempt: 0, timer: null }
    if (entry.timer) clearTimeout(entry.timer)
    const {
      deletionRetry: { firstMs, maxMs },
      random,
    } = this.#options
    const delayMs = backoffDelay(entry.attempt, { baseMs: firstMs, maxMs, ...(random ? { random } : {}) })
    entry.attempt += 1
    entry.timer = setTimeout(() => this.#run(id, entry), delayMs)
    entry.timer.unref()
    this.#entries.set(id, entry)
    return delayMs
  }

  /** The host's records are gone (or the host is): nothing left to retry. */
  succeeded(key: HostKey): void {
    const id = hostId(key)
    const entry = this.#entries.get(id)
    if (entry?.timer) clearTimeout(entry.timer)
    this.#entries.delete(id)
  }

  get size(): number {
    return this.#entries.size
  }

  stop(): void {
    this.#stopped = true
    for (const entry of this.#entries.values()) if (entry.timer) clearTimeout(entry.timer)
    this.#entries.clear()
  }

  #run(id: string, entry: Entry<Reason>): void {
    entry.timer = null
    this.#options.retry(entry.key, entry.reason).catch((err: unknown) => {
      this.#options.log.error({ err, ...entry.key }, 'deletion retry failed')
      if (this.#entries.get(id) === entry) this.failed(entry.key, entry.reason)
    })
  }
}
