import { PAYLOADS, type PayloadOf } from './messages/index.ts'
import type { Leaf } from './topics.ts'
import { decodeWith, encodeWith, type DecodeOptions, type Decoded } from './decode-core.ts'

export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  REJECTION_REASONS,
  type DecodeOptions,
  type Decoded,
  type DecodedMessage,
  type RejectionReason,
} from './decode-core.ts'

/** Decodes a raw MQTT message into a typed message, a clear, or a typed rejection. Never throws on input. */
export function decodeMessage(topic: string, payload: Uint8Array, options: DecodeOptions = {}): Decoded {
  return decodeWith(PAYLOADS, topic, payload, options)
}

/** Serialises a payload for the wire (validated first: publishing an invalid message is a programming error). */
export function encodePayload<L extends Leaf>(leaf: L, payload: PayloadOf<L>): Buffer {
  return encodeWith(PAYLOADS, leaf, payload)
}
