/**
 * Sweeps a table of per-device entries on a timer while it holds any, so that entries whose time is over go away
 * when nothing else happens (a connected fleet at rest), not only when new devices arrive. `sweep` drops what is
 * over and answers how many entries are left; the timer is armed by `arm()` (an entry was added) and disarms itself
 * once the table is empty. Unref'd: it never keeps a process alive. `stop()` clears it (the owner closes).
 */
export class IdleSweep {
  readonly #everyMs: number
  readonly #sweep: () => number
  #timer: NodeJS.Timeout | undefined

  constructor(everyMs: number, sweep: () => number) {
    if (!(everyMs > 0)) throw new TypeError('a sweep period must be positive')
    this.#everyMs = everyMs
    this.#sweep = sweep
  }

  /** Makes sure a sweep comes within the period (an entry was just added). */
  arm(): void {
    if (this.#timer !== undefined) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#sweep() > 0) this.arm()
    }, this.#everyMs)
    this.#timer.unref()
  }

  /** True while a sweep is due. */
  get armed(): boolean {
    return this.#timer !== undefined
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
