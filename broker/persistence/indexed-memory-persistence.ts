import { Readable } from 'node:stream'
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import { topicFilterTest } from './topic-filter.ts'

/** What aedes stores as a retained message: a PUBLISH packet (aedes-packet's type covers every packet kind). */
type StoredPacket = Parameters<MemoryPersistence['storeRetained']>[0]

const isExactTopic = (filter: string): boolean => !filter.includes('+') && !filter.includes('#')

/** Below this a payload's memory is not looked at: a small buffer pins little whatever shares it. */
const SHARED_MEMORY_WORTH_COPYING = 4096

/**
 * The payload itself, or a copy in memory of its own when it is a small view of a much larger allocation: Node's
 * 8 KiB allocation pool (the manager's `status` payloads come from Buffer.from) or a socket read that carried many
 * packets. A retained message lives until it is replaced, and a view pins the whole allocation for that long
 * (at 10 000 hosts, 8 KiB pool slabs held by status payloads were ~1.3 KB per host for ~0.65 KB of payload).
 */
function ownMemory<P extends Buffer | string>(payload: P): P | Buffer {
  if (typeof payload === 'string') return payload
  const shared = payload.buffer.byteLength
  if (shared < SHARED_MEMORY_WORTH_COPYING || payload.byteLength * 4 > shared) return payload
  const copy = Buffer.allocUnsafeSlow(payload.byteLength)
  payload.copy(copy)
  return copy
}

/**
 * aedes' in-memory persistence with its retained messages held in one Map by exact topic. The memory persistence
 * answers every SUBSCRIBE by testing EVERY retained message against the filters (aedes-persistence
 * `retainedMessagesByPattern`). A fleet keeps 5 retained topics per host and every agent subscribes to its own
 * exact topics at every connect, so connecting N agents costs O(N²): at 10 000 hosts (50 000 retained messages)
 * ~20 ms of broker CPU per SUBSCRIBE, minutes for a reconnecting fleet (docs/benchmarks.md, `bench:retained`).
 * Here a filter without wildcards is one Map lookup; a filter with `+` or `#` (the manager, integrators) scans the
 * Map, in the order the topics were first retained, as the memory persistence does.
 * Retained messages live only here (the memory persistence's own store is never written): one copy per topic, not
 * two (docs/benchmarks.md, "Memory per connected node"). Sessions, subscriptions, queues and wills stay the memory
 * persistence's.
 *
 * In memory and per process only: a persistence shared by several brokers (aedes-persistence-redis) must not be
 * wrapped with a local index, as the other brokers' retained messages would never reach it.
 */
export class IndexedMemoryPersistence extends MemoryPersistence {
  /**
   * Shallow copies of the stored packets (the memory persistence copies too); payload buffers are shared unless they
   * are small views of large allocations (`ownMemory`).
   */
  readonly #byTopic = new Map<string, StoredPacket>()

  override storeRetained(packet: StoredPacket): Promise<void> {
    if (packet.cmd === 'publish') {
      // MQTT-3.3.1-10, -11: an empty retained payload clears the topic and is not stored.
      if (packet.payload.length === 0) this.#byTopic.delete(packet.topic)
      else this.#byTopic.set(packet.topic, { ...packet, payload: ownMemory(packet.payload) })
    }
    return Promise.resolve()
  }

  /** Exact topics from the index (in the order given), then every wildcard filter's matches from a scan. */
  override createRetainedStreamCombi(patterns: string[]): Readable {
    const exact: StoredPacket[] = []
    const wildcards: string[] = []
    for (const pattern of patterns) {
      if (!isExactTopic(pattern)) wildcards.push(pattern)
      else {
        const packet = this.#byTopic.get(pattern)
        if (packet !== undefined) exact.push(packet)
      }
    }
    if (wildcards.length === 0) return Readable.from(exact)
    return Readable.from(this.#withMatches(exact, wildcards))
  }

  override createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }

  override async destroy(): Promise<void> {
    await super.destroy()
    this.#byTopic.clear()
  }

  /** `first`, then for each filter every retained message it matches (a message matched by two filters twice). */
  *#withMatches(first: readonly StoredPacket[], filters: readonly string[]): Generator<StoredPacket> {
    yield* first
    for (const filter of filters) {
      const matches = topicFilterTest(filter)
      for (const [topic, packet] of this.#byTopic) if (matches(topic)) yield packet
    }
  }
}
