import type { z } from 'zod/mini'
import { decodeWith, encodeWith, type DecodeOptions, type Decoded } from '../decode-core.ts'
import type { PayloadOf } from '../messages/index.ts'
import { AGENT_PAYLOADS } from './payloads.ts'

/**
 * The agent's decoder and encoder: the contract's rules (decode-core.ts) over its lean schemas (payloads.ts,
 * generated from the contract with zod/mini). Same answers as decodeMessage/encodePayload for these leaves
 * (test/schemas/mini-payloads.test.ts); a leaf the agent never parses (`status`) is rejected as unknown.
 */
export type AgentParsedLeaf = keyof typeof AGENT_PAYLOADS

/** Compile-time proof that each lean schema infers the contract's payload type, both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const SAME_TYPES: { [L in AgentParsedLeaf]: Same<z.infer<(typeof AGENT_PAYLOADS)[L]>, PayloadOf<L>> } = {
  presence: true,
  capability: true,
  state: true,
  events: true,
  desired: true,
  'secret/req': true,
  'secret/res': true,
}

export function decodeAgentMessage(topic: string, payload: Uint8Array, options: DecodeOptions = {}): Decoded {
  return decodeWith(AGENT_PAYLOADS, topic, payload, options)
}

export function encodeAgentPayload<L extends AgentParsedLeaf>(leaf: L, payload: PayloadOf<L>): Buffer {
  return encodeWith(AGENT_PAYLOADS, leaf, payload)
}
void SAME_TYPES
