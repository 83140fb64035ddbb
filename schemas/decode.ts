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

/**
 * Serialises a payload the manager built from typed values it validated when they were stored (the `status` view
 * of a host) without parsing it again: a hot path (every changed host). What makes it sound is a test, not this
 * function: every view the builder can make parses against its schema unchanged (test/manager/core/publish).
 */
export function encodeBuilt<L extends Leaf>(_leaf: L, payload: PayloadOf<L>): Buffer {
  return Buffer.from(JSON.stringify(payload))
}
