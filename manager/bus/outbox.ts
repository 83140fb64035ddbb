import type { PublishOptions } from '../ports/outbound.ts'

export interface OutboxEntry {
  topic: string
  payload: Buffer
  options: PublishOptions
}

/**
 * The manager's outgoing queue in front of mqtt.js: at most `window` QoS 1 publications are handed to the
 * client unacknowledged; the rest wait here. A retained topic is state, not an event: while a publication of
 * it waits, a newer one replaces it in place (its position is kept), so under overload the broker gets the
 * latest view of each host at the rate it accepts, and the queue is bounded by the number of retained topics.
 * Non-retained publications (secret/res) are never merged. Without this, mqtt.js buffers every publication
 * and its acknowledgement handling degrades with the backlog.
 */
export class Outbox {
  readonly #entries = new Map<string | number, OutboxEntry>()
  #serial = 0

  get size(): number {
    return this.#entries.size
  }

  push(entry: OutboxEntry): void {
    if (!entry.options.retain) {
      this.#entries.set(++this.#serial, entry)
      return
    }
    // Replacing a key keeps its position in a Map: the topic keeps its place in the line.
    this.#entries.set(entry.topic, entry)
  }

  shift(): OutboxEntry | undefined {
    const first = this.#entries.entries().next()
    if (first.done) return undefined
    const [key, entry] = first.value
    this.#entries.delete(key)
    return entry
  }
}
