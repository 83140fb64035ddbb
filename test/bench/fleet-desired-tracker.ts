/**
 * Every `desired` delivered to the agents of a simulated fleet (FleetOptions.onInbound), timed against the `ts` the
 * manager wrote into it when publishing: both processes run on one machine, so Date.now() is one clock.
 * Used by the fleet benchmarks and the fleet integration tests.
 */
import type { Decoded } from '../../schemas/index.ts'

export interface Delivery {
  hostId: string
  generation: number
  /** The desired's `ts` (ms, the manager's publish time; ISO text, so truncated to the millisecond). */
  publishedAt: number
  receivedAt: number
}

/** Every `desired` delivered to an agent, with per-host waiters. */
export class DesiredTracker {
  readonly #last = new Map<string, Delivery>()
  readonly #waiters = new Map<string, { generation: number; resolve: (delivery: Delivery) => void }>()
  #since = 0
  readonly #deliveredSince = new Map<string, Delivery>()

  onInbound = (message: Decoded): void => {
    if (message.kind !== 'message' || message.leaf !== 'desired') return
    const receivedAt = Date.now()
    const delivery = {
      hostId: message.hostId,
      generation: message.payload.generation,
      publishedAt: Date.parse(message.payload.ts),
      receivedAt,
    }
    this.#last.set(delivery.hostId, delivery)
    if (receivedAt >= this.#since) this.#deliveredSince.set(delivery.hostId, delivery)
    const waiter = this.#waiters.get(delivery.hostId)
    if (waiter && delivery.generation >= waiter.generation) {
      this.#waiters.delete(delivery.hostId)
      waiter.resolve(delivery)
    }
  }

  /** Starts a new count of delivered hosts (deliveredSince). */
  mark(at = Date.now()): void {
    this.#since = at
    this.#deliveredSince.clear()
  }

  /** The last desired delivered to each host since mark(), by hostId. */
  deliveredSince(): ReadonlyMap<string, Delivery> {
    return this.#deliveredSince
  }

  /** Resolves with the first delivery to `hostId` of `generation` or newer. */
  waitFor(hostId: string, generation: number, timeoutMs: number): Promise<Delivery> {
    const last = this.#last.get(hostId)
    if (last && last.generation >= generation) return Promise.resolve(last)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(hostId)
        reject(new Error(`no desired generation ${generation} for ${hostId} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiters.set(hostId, {
        generation,
        resolve: (delivery) => {
          clearTimeout(timer)
          resolve(delivery)
        },
      })
    })
  }
}
