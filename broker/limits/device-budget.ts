import type { FixedWindow } from './fixed-window.ts'

/**
 * What one device may publish, across all its connections together (not per connection: a device opening 25
 * connections gets the same budget as one). Two fixed windows per device: PUBLISH packets and bytes (topic +
 * payload). An agent sends a handful of small messages per activation and three after each connect; a device far
 * above that is broken or hostile, and every message costs the manager a correlation and an Inventory write.
 *
 * Memory stays bounded by the devices that published within the last window: when a new device finds the table past
 * `sweepAbove` and either doubled since the last sweep or not swept for a window, devices whose windows have ended
 * are dropped (a new window starts empty anyway).
 */
export interface WindowLimit {
  max: number
  windowMs: number
}

export interface DeviceBudgetOptions {
  messages: WindowLimit
  bytes: WindowLimit
  now?: () => number
  sweepAbove?: number
}

export type BudgetExceeded = 'rate-limited' | 'byte-rate-limited'

interface DeviceWindows {
  messages: FixedWindow
  bytes: FixedWindow
}

export class DeviceBudget {
  readonly #devices = new Map<string, DeviceWindows>()
  readonly #messages: WindowLimit
  readonly #bytes: WindowLimit
  readonly #now: () => number
  readonly #sweepAbove: number
  readonly #longestWindowMs: number
  #nextSweepAt: number
  #lastSweepAt: number

  constructor({ messages, bytes, now = Date.now, sweepAbove = 10_000 }: DeviceBudgetOptions) {
    this.#messages = messages
    this.#bytes = bytes
    this.#now = now
    this.#sweepAbove = sweepAbove
    this.#longestWindowMs = Math.max(messages.windowMs, bytes.windowMs)
    this.#nextSweepAt = sweepAbove
    this.#lastSweepAt = this.#now()
  }

  /**
   * Records a publish of `bytes` by `device`; null when it fits, else which budget it exceeds. A refused publish
   * counts too (the broker parsed it); each window starts empty.
   */
  tryPublish(device: string, bytes: number): BudgetExceeded | null {
    const now = this.#now()
    const windows = this.#windowsOf(device, now)
    const messages = add(windows.messages, 1, this.#messages, now)
    const sent = add(windows.bytes, bytes, this.#bytes, now)
    if (messages > this.#messages.max) return 'rate-limited'
    return sent > this.#bytes.max ? 'byte-rate-limited' : null
  }

  /** Devices currently tracked (each published within its last window, or did when last swept). */
  get trackedDevices(): number {
    return this.#devices.size
  }

  #windowsOf(device: string, now: number): DeviceWindows {
    const known = this.#devices.get(device)
    if (known !== undefined) return known
    const size = this.#devices.size
    if (size >= this.#nextSweepAt || (size >= this.#sweepAbove && now - this.#lastSweepAt >= this.#longestWindowMs))
      this.#sweep(now)
    const fresh = { messages: { startedAt: now, count: 0 }, bytes: { startedAt: now, count: 0 } }
    this.#devices.set(device, fresh)
    return fresh
  }

  #sweep(now: number): void {
    for (const [device, windows] of this.#devices) {
      if (ended(windows.messages, this.#messages, now) && ended(windows.bytes, this.#bytes, now))
        this.#devices.delete(device)
    }
    this.#nextSweepAt = Math.max(this.#sweepAbove, this.#devices.size * 2)
    this.#lastSweepAt = now
  }
}

const ended = (window: FixedWindow, limit: WindowLimit, now: number): boolean =>
  now - window.startedAt >= limit.windowMs

/** Adds `amount` to the window (starting a new one when it has ended); the window's new total. */
function add(window: FixedWindow, amount: number, limit: WindowLimit, now: number): number {
  if (ended(window, limit, now)) {
    window.startedAt = now
    window.count = 0
  }
  window.count += amount
  return window.count
}
