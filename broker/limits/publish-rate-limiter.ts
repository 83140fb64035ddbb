import { countInWindow, type FixedWindow } from './fixed-window.ts'

/**
 * Fixed-window publish rate limit per connection: at most `max` PUBLISH packets per `windowMs`. Keyed by the
 * connection object in a WeakMap, so a closed connection's window goes with it. An agent sends a handful of
 * messages per activation and three after each connect; a device far above that is broken or hostile, and every
 * message it sends costs the manager a correlation and an Inventory write.
 */
export interface PublishRateLimiterOptions {
  max: number
  windowMs: number
  now?: () => number
}

export class PublishRateLimiter {
  readonly #windows = new WeakMap<object, FixedWindow>()
  readonly #max: number
  readonly #windowMs: number
  readonly #now: () => number

  constructor({ max, windowMs, now = Date.now }: PublishRateLimiterOptions) {
    this.#max = max
    this.#windowMs = windowMs
    this.#now = now
  }

  /** Records a publish of `connection`; false when it is over its limit in the current window. */
  tryAcquire(connection: object): boolean {
    return countInWindow(this.#windows, connection, this.#now(), this.#max, this.#windowMs)
  }
}
