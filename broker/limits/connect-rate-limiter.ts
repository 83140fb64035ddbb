import { countInWindow, type FixedWindow } from './fixed-window.ts'

/**
 * Fixed-window connection rate limit per source address: at most `max` attempts per `windowMs`.
 * Memory stays bounded: expired windows are swept when the table grows past `sweepAbove` entries.
 */
export interface ConnectRateLimiterOptions {
  max: number
  windowMs: number
  now?: () => number
  sweepAbove?: number
}

export class ConnectRateLimiter {
  readonly #windows = new Map<string, FixedWindow>()
  readonly #max: number
  readonly #windowMs: number
  readonly #now: () => number
  readonly #sweepAbove: number

  constructor({ max, windowMs, now = Date.now, sweepAbove = 10_000 }: ConnectRateLimiterOptions) {
    this.#max = max
    this.#windowMs = windowMs
    this.#now = now
    this.#sweepAbove = sweepAbove
  }

  /** Records an attempt; false when the address is over its limit in the current window. */
  tryAcquire(address: string): boolean {
    const now = this.#now()
    if (this.#windows.size > this.#sweepAbove) this.#sweep(now)
    return countInWindow(this.#windows, address, now, this.#max, this.#windowMs)
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(address)
    }
  }
}
