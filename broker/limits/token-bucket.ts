/**
 * One token bucket: holds up to `burst` tokens, gains `perSecond` tokens per second, and each admitted event
 * takes one. A full bucket is indistinguishable from a new one, so a table of buckets may forget full ones.
 */
export interface TokenBucketRate {
  /** Capacity: events admitted at once after a quiet period. */
  burst: number
  /** Refill: the sustained rate, in events per second. */
  perSecond: number
}

export interface TokenBucket {
  tokens: number
  /** When `tokens` was last brought up to date (ms, same clock as `now`). */
  updatedAt: number
}

export function fullBucket(rate: TokenBucketRate, now: number): TokenBucket {
  return { tokens: rate.burst, updatedAt: now }
}

/** Adds the tokens earned since the last update, up to `burst`. A clock that steps back earns nothing. */
function refill(bucket: TokenBucket, rate: TokenBucketRate, now: number): void {
  const elapsedMs = Math.max(0, now - bucket.updatedAt)
  bucket.tokens = Math.min(rate.burst, bucket.tokens + (elapsedMs * rate.perSecond) / 1000)
  bucket.updatedAt = Math.max(bucket.updatedAt, now)
}

/** Refills, then takes one token if there is one. A refused event takes nothing. */
export function tryTake(bucket: TokenBucket, rate: TokenBucketRate, now: number): boolean {
  refill(bucket, rate, now)
  if (bucket.tokens < 1) return false
  bucket.tokens -= 1
  return true
}

/** Whether the bucket would be full at `now` (it can then be dropped and recreated full on demand). */
export function isFullAt(bucket: TokenBucket, rate: TokenBucketRate, now: number): boolean {
  return bucket.tokens + (Math.max(0, now - bucket.updatedAt) * rate.perSecond) / 1000 >= rate.burst
}
