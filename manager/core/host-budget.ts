/** A token bucket: `burst` tokens at most, refilled at `perSecond`. */
export interface BudgetRate {
  perSecond: number
  burst: number
}

interface Bucket {
  tokens: number
  at: number
  /** Dropped since the last time a drop was reported. */
  dropped: number
  reportedAt: number
}

export type BudgetVerdict =
  { ok: true } | { ok: false; /** Set once per key and window: the drops to log now. */ report?: number }

/** Buckets kept before full (idle) ones are swept. */
const SWEEP_ABOVE = 10_000

/**
 * Per-key token buckets (one key per host: every connection of a host draws from the same bucket). A drop is
 * reported at most once per key and `reportWindowMs` (the caller logs it), with the count dropped meanwhile.
 */
export class HostBudget {
  readonly #rate: BudgetRate
  readonly #reportWindowMs: number
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(rate: BudgetRate, options: { reportWindowMs?: number; now?: () => number } = {}) {
    if (!(rate.perSecond > 0) || !(rate.burst >= 1)) throw new TypeError('a budget needs perSecond > 0 and burst >= 1')
    this.#rate = rate
    this.#reportWindowMs = options.reportWindowMs ?? 60_000
    this.#now = options.now ?? Date.now
  }

  take(key: string): BudgetVerdict {
    const now = this.#now()
    const bucket = this.#refilled(key, now)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { ok: true }
    }
    bucket.dropped += 1
    if (now - bucket.reportedAt < this.#reportWindowMs) return { ok: false }
    const report = bucket.dropped
    bucket.dropped = 0
    bucket.reportedAt = now
    return { ok: false, report }
  }

  #refilled(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      if (this.#buckets.size >= SWEEP_ABOVE) this.#sweep(now)
      bucket = { tokens: this.#rate.burst, at: now, dropped: 0, reportedAt: -Infinity }
      this.#buckets.set(key, bucket)
      return bucket
    }
    const elapsed = Math.max(0, now - bucket.at) / 1000
    bucket.tokens = Math.min(this.#rate.burst, bucket.tokens + elapsed * this.#rate.perSecond)
    bucket.at = now
    return bucket
  }

  /** Forgets buckets that would be full again and have no unreported drops (a new bucket starts full). */
  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      const tokens = bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.#rate.perSecond
      if (tokens >= this.#rate.burst && bucket.dropped === 0) this.#buckets.delete(key)
    }
  }
}
