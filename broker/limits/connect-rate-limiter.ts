import { fullBucket, isFullAt, tryTake, type TokenBucket, type TokenBucketRate } from './token-bucket.ts'

/**
 * Connection rate limit per source address: a token bucket per address (`burst` attempts at once, refilled at
 * `perSecond`). A site behind one NAT address is many devices, so the burst is sized for a whole site
 * reconnecting at once; the refill bounds what one address can sustain.
 *
 * Memory stays bounded: buckets that refilled to full are dropped (a new one starts full, so nothing changes),
 * swept when a new address finds the table past `sweepAbove` and either doubled since the last sweep or not swept
 * for the time a bucket takes to refill; beyond `maxAddresses` the least recently seen address is forgotten (it
 * starts again with a full bucket).
 */
export interface ConnectRateLimiterOptions extends TokenBucketRate {
  now?: () => number
  sweepAbove?: number
  maxAddresses?: number
}

export class ConnectRateLimiter {
  /** In order of last attempt, oldest first (each attempt moves its address to the end). */
  readonly #buckets = new Map<string, TokenBucket>()
  readonly #rate: TokenBucketRate
  readonly #now: () => number
  readonly #sweepAbove: number
  readonly #maxAddresses: number
  readonly #refillMs: number
  #nextSweepAt: number
  #lastSweepAt: number

  constructor(options: ConnectRateLimiterOptions) {
    const { burst, perSecond, now = Date.now, sweepAbove = 10_000, maxAddresses = 100_000 } = options
    this.#rate = Object.freeze({ burst, perSecond })
    this.#now = now
    this.#sweepAbove = sweepAbove
    this.#maxAddresses = Math.max(1, maxAddresses)
    this.#refillMs = (burst / perSecond) * 1000
    this.#nextSweepAt = sweepAbove
    this.#lastSweepAt = this.#now()
  }

  /** Records an attempt; false when the address has no token left (a refused attempt takes none). */
  tryAcquire(address: string): boolean {
    const now = this.#now()
    let bucket = this.#buckets.get(address)
    if (bucket === undefined) {
      this.#makeRoom(now)
      bucket = fullBucket(this.#rate, now)
    } else {
      this.#buckets.delete(address)
    }
    this.#buckets.set(address, bucket)
    return tryTake(bucket, this.#rate, now)
  }

  /** Addresses currently tracked (each holds a bucket that is not full, or was not when last swept). */
  get trackedAddresses(): number {
    return this.#buckets.size
  }

  #makeRoom(now: number): void {
    const size = this.#buckets.size
    // Each sweep is paid for by as many new addresses as it scans, or by a refill period.
    if (size >= this.#nextSweepAt || (size >= this.#sweepAbove && now - this.#lastSweepAt >= this.#refillMs)) {
      for (const [address, bucket] of this.#buckets) {
        if (isFullAt(bucket, this.#rate, now)) this.#buckets.delete(address)
      }
      this.#nextSweepAt = Math.max(this.#sweepAbove, this.#buckets.size * 2)
      this.#lastSweepAt = now
    }
    while (this.#buckets.size >= this.#maxAddresses) {
      const oldest = this.#buckets.keys().next()
      if (oldest.done === true) break
      this.#buckets.delete(oldest.value)
    }
  }
}
