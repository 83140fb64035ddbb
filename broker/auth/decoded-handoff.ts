import type { DecodedMessage } from '../../schemas/decode.ts'

/** Entries remembered before a generation is set aside; two generations at most are kept. */
const DEFAULT_GENERATION = 4096

interface Entry {
  topic: string
  message: DecodedMessage
}

/**
 * What the broker's payload check decoded (device-payload-check.ts), handed to a consumer in the same process — the
 * manager's embedded bus — so that the message it routes there is not decoded a second time.
 *
 * Keyed by the payload's Buffer object, which aedes passes unchanged from the parsed PUBLISH to its subscribers: no
 * client can name or forge that identity, and the topic must match as well. A value is taken once. What is never
 * taken (a message refused after the check, a consumer not yet subscribed) is dropped when the Buffer is collected,
 * and in any case after two generations of remembered messages, so a payload kept alive by the retained store keeps
 * no decoded copy beside it. A miss only means decoding again: the consumer decodes what it is not handed.
 */
export class DecodedHandoff {
  #current = new WeakMap<Uint8Array, Entry>()
  #previous = new WeakMap<Uint8Array, Entry>()
  #remembered = 0
  readonly #generation: number

  constructor({ generation = DEFAULT_GENERATION }: { generation?: number } = {}) {
    this.#generation = generation
  }

  remember(topic: string, payload: Uint8Array, message: DecodedMessage): void {
    this.#current.set(payload, { topic, message })
    this.#remembered += 1
    if (this.#remembered < this.#generation) return
    this.#previous = this.#current
    this.#current = new WeakMap()
    this.#remembered = 0
  }

  /** The message decoded from exactly this payload object on this topic, once; undefined otherwise. */
  take(topic: string, payload: Uint8Array): DecodedMessage | undefined {
    const entry = this.#current.get(payload) ?? this.#previous.get(payload)
    if (entry === undefined) return undefined
    this.#current.delete(payload)
    this.#previous.delete(payload)
    return entry.topic === topic ? entry.message : undefined
  }
}
