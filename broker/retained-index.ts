import { Readable } from 'node:stream'

/**
 * aedes' in-memory persistence answers every SUBSCRIBE by testing EVERY retained message against the filters
 * (aedes-persistence `retainedMessagesByPattern`). A fleet keeps ~5 retained topics per host and every agent
 * subscribes to its own two exact topics at every connect, so connecting N agents costs O(N²): at 10 000 hosts
 * (~50 000 retained messages) about 0.1 s of broker CPU per connect, minutes for a reconnecting fleet
 * (docs/benchmarks.md, connection storm). This keeps a second index by exact topic: a filter without wildcards is
 * one Map lookup; a filter with `+` or `#` (the manager, integrators) still goes to aedes' own scan.
 * The packet objects are shallow copies (the payload buffer is shared with aedes' store).
 */
interface RetainedPacket {
  topic: string
  payload: Buffer
}

interface RetainedPersistence {
  storeRetained(packet: RetainedPacket): Promise<void>
  createRetainedStream(pattern: string): Readable
  createRetainedStreamCombi(patterns: string[]): Readable
}

const isExactTopic = (filter: string): boolean => !filter.includes('+') && !filter.includes('#')

function isRetainedPersistence(value: unknown): value is RetainedPersistence {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return ['storeRetained', 'createRetainedStream', 'createRetainedStreamCombi'].every((name) => typeof candidate[name] === 'function')
}

async function* concat(first: readonly RetainedPacket[], rest: Readable): AsyncGenerator<RetainedPacket> {
  yield* first
  for await (const packet of rest) yield packet as RetainedPacket
}

/** Wraps the persistence's retained-message methods in place. Returns false (and changes nothing) for an unknown shape. */
export function indexRetainedTopics(persistence: unknown): boolean {
  if (!isRetainedPersistence(persistence)) return false
  const byTopic = new Map<string, RetainedPacket>()
  const store = persistence.storeRetained.bind(persistence)
  const scan = persistence.createRetainedStreamCombi.bind(persistence)

  persistence.storeRetained = (packet) => {
    // MQTT 3.3.1.3: an empty retained payload clears the topic.
    if (packet.payload.length === 0) byTopic.delete(packet.topic)
    else byTopic.set(packet.topic, { ...packet })
    return store(packet)
  }
  persistence.createRetainedStreamCombi = (patterns) => {
    const exact: RetainedPacket[] = []
    const wildcards: string[] = []
    for (const pattern of patterns) {
      if (!isExactTopic(pattern)) wildcards.push(pattern)
      else {
        const packet = byTopic.get(pattern)
        if (packet !== undefined) exact.push(packet)
      }
    }
    return wildcards.length === 0 ? Readable.from(exact) : Readable.from(concat(exact, scan(wildcards)))
  }
  persistence.createRetainedStream = (pattern) => persistence.createRetainedStreamCombi([pattern])
  return true
}
