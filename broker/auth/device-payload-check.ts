import { decodeMessage, type DecodedMessage, type RejectionReason } from '../../schemas/decode.ts'
import { AGENT_LEAVES, LEAF_RULES, type Leaf } from '../../schemas/topics.ts'

/**
 * What a device publishes on its retained leaves (presence, capability, state) is kept by the broker and replayed
 * to every later subscriber, integrators included: it is checked against the contract (schemas/decode.ts: UTF-8,
 * JSON object, version, zod schema, host and tenant matching the topic) before it is retained or forwarded. An
 * empty payload (a clear, MQTT semantics) passes. Other leaves pass unchecked here: `events` and `secret/req` are
 * not retained and go only to the manager, which decodes every message anyway.
 * Cheap checks first: the leaf is read from the topic's end before anything is parsed; the JSON is parsed once.
 */
const CHECKED_LEAVES: ReadonlySet<string> = new Set<Leaf>(AGENT_LEAVES.filter((leaf) => LEAF_RULES[leaf].retained))

/** `message`: what was decoded (a checked leaf with a payload; decoded-handoff.ts hands it on). */
export type PayloadCheck =
  { ok: true; message?: DecodedMessage } | { ok: false; reason: RejectionReason; detail: string }

const OK: PayloadCheck = { ok: true }

/** Whether a device's message on `topic` (already allowed by the ACL) may be retained and forwarded. */
export function checkDevicePayload(topic: string, payload: Buffer | string, maxPayloadBytes: number): PayloadCheck {
  if (!CHECKED_LEAVES.has(topic.slice(topic.lastIndexOf('/') + 1))) return OK
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
  const decoded = decodeMessage(topic, bytes, { maxPayloadBytes })
  if (decoded.kind === 'rejected') return { ok: false, reason: decoded.reason, detail: decoded.detail }
  return decoded.kind === 'message' ? { ok: true, message: decoded } : OK
}
