import { hashCost, schemeOf, verifyPasswordHash, type PasswordVerifier } from './password-hash.ts'

/**
 * Two lanes for password checks, so a burst of expensive checks cannot delay cheap ones. Node's async scrypt runs
 * on libuv's thread pool (4 threads by default, shared with file and DNS work) and never on the event loop; but
 * the pool is first come, first served: 29 wrong integrator logins (scrypt 2^15, ~100 ms each) queued ahead of a
 * device (2^10, ~1 ms) delayed its login by seconds.
 * - cheap lane (cost ≤ `cheapMaxCost`, device hashes: the keyed digest, or scrypt 2^10): checked at once;
 * - expensive lane (integrators, the OWASP default 2^15): at most `expensiveConcurrency` at a time, so pool threads
 *   stay free for cheap checks; up to `expensiveQueue` more wait their turn (first come, first served); beyond
 *   that a check is refused at once with KdfBusyError (the broker answers CONNACK 3 "server unavailable").
 */
export interface KdfLanesOptions {
  /** Highest cost (N·r·p) of the cheap lane; default 2^12·8 (device hashes are 2^10·8). */
  cheapMaxCost?: number
  /** Expensive checks running at once; default 2 (of the pool's 4 threads). */
  expensiveConcurrency?: number
  /** Expensive checks waiting beyond those; default 16. */
  expensiveQueue?: number
  /** The check itself; default verifyPasswordHash (scrypt on the thread pool). */
  verify?: PasswordVerifier
}

export interface KdfLaneStats {
  cheap: number
  expensive: number
  /** Expensive checks refused because the lane was full. */
  busy: number
}

const DEFAULT_CHEAP_MAX_COST = 2 ** 12 * 8

/** Thrown when the expensive lane is full: nothing was computed; the caller refuses the attempt as busy. */
export class KdfBusyError extends Error {
  constructor() {
    super('password check refused: too many expensive checks in progress')
    this.name = 'KdfBusyError'
  }
}

export class KdfLanes {
  readonly #cheapMaxCost: number
  readonly #concurrency: number
  readonly #queueLimit: number
  readonly #check: PasswordVerifier
  readonly #waiting: (() => void)[] = []
  readonly #stats: KdfLaneStats = { cheap: 0, expensive: 0, busy: 0 }
  #running = 0

  constructor(options: KdfLanesOptions = {}) {
    this.#cheapMaxCost = options.cheapMaxCost ?? DEFAULT_CHEAP_MAX_COST
    this.#concurrency = options.expensiveConcurrency ?? 2
    this.#queueLimit = options.expensiveQueue ?? 16
    this.#check = options.verify ?? verifyPasswordHash
  }

  /** A PasswordVerifier for the credential stores; rejects with KdfBusyError when the expensive lane is full. */
  readonly verify: PasswordVerifier = async (hash, password) => {
    if (hashCost(schemeOf(hash)) <= this.#cheapMaxCost) {
      this.#stats.cheap += 1
      return this.#check(hash, password)
    }
    await this.#enterExpensiveLane()
    this.#stats.expensive += 1
    try {
      return await this.#check(hash, password)
    } finally {
      this.#leaveExpensiveLane()
    }
  }

  /** A copy of the counters. */
  stats(): KdfLaneStats {
    return { ...this.#stats }
  }

  #enterExpensiveLane(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running += 1
      return Promise.resolve()
    }
    if (this.#waiting.length >= this.#queueLimit) {
      this.#stats.busy += 1
      return Promise.reject(new KdfBusyError())
    }
    // The slot passes straight from the check that leaves to the one that waited longest (#running unchanged).
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #leaveExpensiveLane(): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#running -= 1
    else next()
  }
}
