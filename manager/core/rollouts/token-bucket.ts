/**
 * Starts per minute as a token bucket: tokens accrue continuously at the rate and are capped at what one tick of the
 * engine can use (`burstMs` of rate) plus one (the fraction a tick leaves must carry over, or a rate of 0.67 per tick
 * would give one start every other tick), so starts never burst above the rate after an idle spell (a pause, a
 * closed window, a full concurrency budget). It starts with one tick's worth (at least one token). Time is given by the caller (a fake clock in tests).
 */
export class TokenBucket {
  #rate: number
  #tokens: number
  #at: number

  constructor(
    ratePerMinute: number,
    nowMs: number,
    readonly burstMs: number,
  ) {
    this.#rate = ratePerMinute
    this.#tokens = Math.max(1, (ratePerMinute * burstMs) / 60_000)
    this.#at = nowMs
  }

  get rate(): number {
    return this.#rate
  }

  /** A new rate from now on (the tokens accrued so far stay, within the new cap). */
  setRate(ratePerMinute: number, nowMs: number): void {
    this.#refill(nowMs)
    this.#rate = ratePerMinute
    this.#tokens = Math.min(this.#tokens, this.#capacity())
  }

  /** Whole tokens available now. */
  available(nowMs: number): number {
    this.#refill(nowMs)
    return Math.floor(this.#tokens)
  }

  /** Uses `count` tokens (at most those available). */
  take(count: number): void {
    this.#tokens = Math.max(0, this.#tokens - count)
  }

  #capacity(): number {
    return (this.#rate * this.burstMs) / 60_000 + 1
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#at)
    this.#at = Math.max(this.#at, nowMs)
    this.#tokens = Math.min(this.#capacity(), this.#tokens + (elapsed * this.#rate) / 60_000)
  }
}
