/**
 * Polite load shedding at CONNECT (broker/README.md, "Limits and counters"): when the event loop runs late by more
 * than `maxLagMs`, a device's CONNECT gets CONNACK 3 "server unavailable" (reason `busy`) instead of a session the
 * broker cannot serve in time. Refusing costs the broker one small packet; admitting a device it cannot serve costs
 * its session, subscriptions, retained deliveries and republished reports, all waiting behind the others, until
 * the device's connect timeout gives up on them anyway. The agent reads CONNACK 3 as "busy" and comes back
 * after a random delay that widens with each busy answer (agent/reconnect-policy.ts).
 *
 * The lag is measured with a timer every `sampleMs`: how late it fired, and, between two firings, how long it is
 * overdue now (a loop blocked for seconds is seen while it is blocked, by the CONNECTs parsed in that very turn).
 */
/** What the broker asks at each device CONNECT (LoadShedder, or a test's switch). */
export interface ConnectShedder {
  start(): void
  stop(): void
  shed(): boolean
}

export interface LoadShedderOptions {
  /** Lag above which device CONNECTs are shed; 0: never. */
  maxLagMs: number
  sampleMs?: number
  now?: () => number
}

export class LoadShedder implements ConnectShedder {
  readonly #maxLagMs: number
  readonly #sampleMs: number
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #expectedAt = 0
  #lastLagMs = 0

  constructor({ maxLagMs, sampleMs = 100, now = () => performance.now() }: LoadShedderOptions) {
    this.#maxLagMs = maxLagMs
    this.#sampleMs = sampleMs
    this.#now = now
  }

  start(): void {
    if (this.#maxLagMs <= 0 || this.#timer !== undefined) return
    this.#expectedAt = this.#now() + this.#sampleMs
    this.#timer = setInterval(() => this.#tick(), this.#sampleMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** How late the event loop runs now, ms (the last sample, or the current overdue time if larger). */
  lagMs(): number {
    if (this.#timer === undefined) return 0
    return Math.max(this.#lastLagMs, this.#now() - this.#expectedAt)
  }

  /** True when a device's CONNECT should be answered busy now. */
  shed(): boolean {
    return this.#maxLagMs > 0 && this.lagMs() > this.#maxLagMs
  }

  #tick(): void {
    const now = this.#now()
    this.#lastLagMs = Math.max(0, now - this.#expectedAt)
    this.#expectedAt = now + this.#sampleMs
  }
}
