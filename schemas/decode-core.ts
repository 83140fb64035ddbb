import type { z } from 'zod'
import { describeIssuesInline } from './issues.ts'
import type { PayloadOf } from './messages/index.ts'
import { LEAF_RULES, parseTopic, type Leaf } from './topics.ts'
import { SCHEMA_VERSION } from './wire-rules.ts'

/**
 * Decoding and encoding over a table of payload parsers: the contract's zod schemas (decode.ts, every leaf) or
 * the agent's lean ones (mini/agent-wire.ts, the leaves it parses). No zod here, so the agent's bundle holds none.
 */

/** What decoding needs of a leaf's schema: classic and mini zod schemas both have it. */
interface PayloadParser {
  safeParse(data: unknown): { success: true; data: unknown } | { success: false; error: z.core.$ZodError }
  parse(data: unknown): unknown
}
export type PayloadParsers = Partial<Record<Leaf, PayloadParser>>

export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024

/**
 * One strict UTF-8 decoder for every message: `decode` without `{ stream: true }` starts afresh each call, and a
 * decoder per message cost a construction per MQTT message on the broker's and the manager's hot paths.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** Rejection details end up in logs: keep them short, and never echo payload bytes (a payload may hold a secret). */
const MAX_DETAIL_CHARS = 300

export const REJECTION_REASONS = [
  'bad-topic',
  'unknown-leaf',
  'too-large',
  'bad-json',
  'unsupported-version',
  'schema',
  'host-mismatch',
] as const
export type RejectionReason = (typeof REJECTION_REASONS)[number]

/** A valid message of one of the leaves `L` (default: any), its payload typed by its leaf. */
export type DecodedMessage<L extends Leaf = Leaf> = {
  [P in L]: { kind: 'message'; tenantId: string; hostId: string; leaf: P; payload: PayloadOf<P> }
}[L]

export type Decoded =
  | DecodedMessage
  /**
   * An empty payload on a retained leaf clears it (MQTT semantics): the host's record was removed.
   * An empty payload on a non-retained leaf means nothing and is rejected as `bad-json`.
   */
  | { kind: 'cleared'; tenantId: string; hostId: string; leaf: Leaf }
  | { kind: 'rejected'; reason: RejectionReason; detail: string; topic: string }

export interface DecodeOptions {
  maxPayloadBytes?: number
}

/**
 * Decodes a raw MQTT message into a typed message, a clear, or a typed rejection, with the leaf's parser from
 * `parsers` (a leaf without one is rejected as unknown). Never throws on input.
 */
export function decodeWith(
  parsers: PayloadParsers,
  topic: string,
  payload: Uint8Array,
  options: DecodeOptions = {},
): Decoded {
  const reject = (reason: RejectionReason, detail: string): Decoded => ({
    kind: 'rejected',
    reason,
    detail: detail.slice(0, MAX_DETAIL_CHARS),
    topic: topic.slice(0, 256),
  })
  const parsed = parseTopic(topic)
  if (!parsed.ok) return reject(parsed.reason, parsed.detail)
  const { tenantId, hostId, leaf } = parsed.address
  const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  if (payload.byteLength > max) return reject('too-large', `payload is ${payload.byteLength} bytes, limit ${max}`)
  if (payload.byteLength === 0) {
    return LEAF_RULES[leaf].retained
      ? { kind: 'cleared', tenantId, hostId, leaf }
      : reject('bad-json', `empty payload on non-retained leaf ${leaf}`)
  }

  let text: string
  try {
    text = UTF8.decode(payload)
  } catch {
    return reject('bad-json', 'payload is not valid UTF-8')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    // The engine's message quotes the input: pass on only the position (the payload may be a mangled secret/res).
    const position = err instanceof Error ? /position (\d+)/.exec(err.message)?.[1] : undefined
    return reject(
      'bad-json',
      position === undefined ? 'payload is not valid JSON' : `payload is not valid JSON (at character ${position})`,
    )
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return reject('bad-json', 'payload is not a JSON object')
  const version = (json as { v?: unknown }).v
  if (version !== SCHEMA_VERSION)
    return reject('unsupported-version', `${describeVersion(version)}; this endpoint speaks v=${SCHEMA_VERSION}`)

  const parser = parsers[leaf]
  if (parser === undefined) return reject('unknown-leaf', `no schema for leaf ${leaf} here`)
  const result = parser.safeParse(json)
  if (!result.success) return reject('schema', describeIssuesInline(result.error, { max: 1 }))
  // Every payload schema has a hostId (the envelope); some have a tenantId.
  const data = result.data as PayloadOf<Leaf> & { tenantId?: string }
  if (data.hostId !== hostId)
    return reject('host-mismatch', `payload hostId ${data.hostId} differs from topic host ${hostId}`)
  if ('tenantId' in data && data.tenantId !== tenantId) {
    return reject('host-mismatch', `payload tenantId ${data.tenantId} differs from topic tenant ${tenantId}`)
  }
  return { kind: 'message', tenantId, hostId, leaf, payload: data } as DecodedMessage
}

function describeVersion(version: unknown): string {
  if (version === undefined) return 'v is missing'
  return typeof version === 'number'
    ? `v=${version}`
    : `v is a ${version === null ? 'null' : typeof version}, not a number`
}

/**
 * Serialises a payload for the wire, validated first with the leaf's parser from `parsers` (publishing an invalid
 * message, or one of a leaf without a parser, is a programming error: it throws).
 */
export function encodeWith<L extends Leaf>(parsers: PayloadParsers, leaf: L, payload: PayloadOf<L>): Buffer {
  const parser = parsers[leaf]
  if (parser === undefined) throw new Error(`no schema for leaf ${leaf} here`)
  return Buffer.from(JSON.stringify(parser.parse(payload)))
}
