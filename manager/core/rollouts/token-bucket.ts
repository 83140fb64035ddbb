/** A tick later than its interval (a busy event loop, a slow pass) may use the tokens of up to this many intervals. */
const LATE_TICKS = 2

/**
 * Starts per minute as a token bucket: tokens accrue continuously at the rate and are capped at what the time since
 * the last refill gave, at least one tick of the engine (`burstMs` of rate) and at most LATE_TICKS of them, plus one
 * (the fraction a tick leaves must carry over, or a rate of 0.67 per tick would give one start every other tick).
 * So a tick that comes late (ticks are `burstMs` apart after the previous pass ends, and a pass takes time) loses
 * nothing — with a cap of one tick, a pass of 0.3 s every 1 s tick cost 23 % of the rate — while starts never burst
 * above two ticks' worth after an idle spell (a pause, a closed window, a full concurrency budget). It starts with
 * one tick's worth (at least one token). Time is given by the caller (a fake clock in tests).
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

  #capacity(elapsedMs = this.burstMs): number {
    const spanMs = Math.min(Math.max(elapsedMs, this.burstMs), LATE_TICKS * this.burstMs)
    return (this.#rate * spanMs) / 60_000 + 1
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#at)
    this.#at = Math.max(this.#at, nowMs)
    this.#tokens = Math.min(this.#capacity(elapsed), this.#tokens + (elapsed * this.#rate) / 60_000)
  }
}
