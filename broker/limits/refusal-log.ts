import type { Logger } from '../../lib/log.ts'

/**
 * Logs refused connections without flooding: the first refusal of an address (per reason) in a window is a
 * warning; later ones in that window are only counted, and when the window has ended a summary with the count is
 * written (at the next connection attempt, or by `flush`). Windows start at an address's first refusal, so the
 * table is in window-end order and a flush stops at the first window still open.
 *
 * Memory stays bounded: at most `maxAddresses` windows are open; refusals of further addresses are counted
 * together and summarised once per window.
 */
export interface RefusalLogOptions {
  log: Logger
  windowMs?: number
  maxAddresses?: number
  now?: () => number
  /** What is refused, in the log lines; default: connections. */
  messages?: RefusalLogMessages
}

export interface RefusalLogMessages {
  first: string
  summary: string
  untracked: string
}

const CONNECTION_MESSAGES: RefusalLogMessages = {
  first: 'connection refused; further refusals counted',
  summary: 'connections refused from one address in a window',
  untracked: 'connections refused from addresses beyond the tracked ones in a window',
}

export interface Refusal {
  reason: string
  remoteAddress: string
  clientId?: string | undefined
}

interface Tally {
  reason: string
  remoteAddress: string
  startedAt: number
  refused: number
}

const REFUSAL_LOG_WINDOW_MS = 60_000

export class RefusalLog {
  readonly #tallies = new Map<string, Tally>()
  readonly #log: Logger
  readonly #windowMs: number
  readonly #maxAddresses: number
  readonly #now: () => number
  readonly #messages: RefusalLogMessages
  /** Refusals of addresses beyond `maxAddresses`, counted together. */
  #untracked: { startedAt: number; refused: number } | undefined

  constructor({
    log,
    windowMs = REFUSAL_LOG_WINDOW_MS,
    maxAddresses = 10_000,
    now = Date.now,
    messages = CONNECTION_MESSAGES,
  }: RefusalLogOptions) {
    this.#log = log
    this.#messages = messages
    this.#windowMs = windowMs
    this.#maxAddresses = maxAddresses
    this.#now = now
  }

  /** A refused connection: a warning if it is the first of its address and reason in the window, else counted. */
  refused({ reason, remoteAddress, clientId }: Refusal): void {
    const now = this.#now()
    this.flush(now)
    const key = `${reason} ${remoteAddress}`
    const tally = this.#tallies.get(key)
    if (tally !== undefined) {
      tally.refused += 1
    } else if (this.#tallies.size < this.#maxAddresses) {
      this.#tallies.set(key, { reason, remoteAddress, startedAt: now, refused: 1 })
      const fields = { reason, clientId, remoteAddress, countedForSeconds: this.#windowMs / 1000 }
      this.#log.warn(fields, this.#messages.first)
    } else {
      this.#untracked ??= { startedAt: now, refused: 0 }
      this.#untracked.refused += 1
    }
  }

  /** Writes the summaries of windows that have ended by `now` and forgets them; `Infinity` ends every window. */
  flush(now: number = this.#now()): void {
    for (const [key, tally] of this.#tallies) {
      if (now - tally.startedAt < this.#windowMs) break
      this.#tallies.delete(key)
      // One refusal was logged as it happened; a summary only when more followed.
      if (tally.refused > 1) {
        const { reason, remoteAddress, refused, startedAt } = tally
        const fields = { reason, remoteAddress, refused, ...this.#window(startedAt) }
        this.#log.warn(fields, this.#messages.summary)
      }
    }
    if (this.#untracked !== undefined && now - this.#untracked.startedAt >= this.#windowMs) {
      const { refused, startedAt } = this.#untracked
      this.#untracked = undefined
      const fields = { refused, trackedAddresses: this.#maxAddresses, ...this.#window(startedAt) }
      this.#log.warn(fields, this.#messages.untracked)
    }
  }

  #window(startedAt: number): { windowStartedAt: string; windowSeconds: number } {
    return { windowStartedAt: new Date(startedAt).toISOString(), windowSeconds: this.#windowMs / 1000 }
  }
}
