import type { DecodedMessage } from '../../schemas/decode.ts'
import type { AgentEnvelopeKey } from '../../schemas/envelope.ts'
import type { PayloadOf } from '../../schemas/messages/index.ts'
import { isAgentLeaf, type AgentLeaf } from '../../schemas/topics.ts'
import type { FactsOf, Report, ReportKind, ReportSource } from '../core/facts.ts'

/**
 * How the payload of each agent leaf becomes the facts of its report. Most facts are the payload's body as the
 * schema has it; capability keeps the whole classified amtinfo as its `report`. ReportKind is the agent leaves of
 * schemas/topics.ts LEAF_RULES, so a new agent leaf without its entry here does not compile.
 */
export const FACTS_OF_PAYLOAD: { readonly [K in ReportKind]: (payload: PayloadOf<K>) => FactsOf<K> } = {
  presence: bodyOf,
  capability: (payload) => {
    const { capable, sku, reason } = payload
    return { capable, sku, ...(reason !== undefined ? { reason } : {}), report: payload }
  },
  state: bodyOf,
  events: bodyOf,
  'secret/req': bodyOf,
}

/** A report and where it comes from. */
type Routed<K extends ReportKind = ReportKind> = { report: Report<K>; source: ReportSource }

/** An agent message as a transport-neutral report plus its MQTT source; null for the manager's own leaves. */
export function reportOf(message: DecodedMessage, retained: boolean): Routed | null {
  return isAgentMessage(message) ? routed(message, retained) : null
}

function isAgentMessage(message: DecodedMessage): message is DecodedMessage<AgentLeaf> {
  return isAgentLeaf(message.leaf)
}

function routed<K extends ReportKind>(message: DecodedMessage<K>, retained: boolean): Routed<K> {
  const { leaf, payload } = message
  const facts: FactsOf<K> = FACTS_OF_PAYLOAD[leaf](payload)
  const { bootId, seq, ts } = payload
  return { report: { kind: leaf, facts }, source: { kind: 'mqtt', bootId, seq, ts, retained } }
}

/** The payload without its envelope (v, ts, hostId, bootId, seq): its body (schemas/messages BodyOf). */
function bodyOf<P extends PayloadOf<AgentLeaf>>(payload: P): Omit<P, AgentEnvelopeKey> {
  const { v: _v, ts: _ts, hostId: _hostId, bootId: _bootId, seq: _seq, ...body } = payload
  return body
}
