import type { DecodedMessage } from '../../schemas/decode.ts'
import type { Report, ReportSource } from '../core/facts.ts'

/** An agent message as a transport-neutral report plus its MQTT source; null for the manager's own leaves. */
export function reportOf(message: DecodedMessage, retained: boolean): { report: Report; source: ReportSource } | null {
  switch (message.leaf) {
    case 'presence': {
      const { online, agentVersion } = message.payload
      return withSource(message.payload, retained, { kind: 'presence', facts: { online, agentVersion } })
    }
    case 'capability': {
      const { capable, sku, reason } = message.payload
      return withSource(message.payload, retained, { kind: 'capability', facts: { capable, sku, ...(reason !== undefined ? { reason } : {}), report: message.payload } })
    }
    case 'state': {
      const { phase, observedGeneration, controlMode, remoteStatus, error, reason } = message.payload
      const facts = { phase, observedGeneration, controlMode, remoteStatus, ...(error ? { error } : {}), ...(reason !== undefined ? { reason } : {}) }
      return withSource(message.payload, retained, { kind: 'state', facts })
    }
    case 'events': {
      const { kind, message: text, generation, detail } = message.payload
      const facts = { kind, message: text, ...(generation !== undefined ? { generation } : {}), ...(detail !== undefined ? { detail } : {}) }
      return withSource(message.payload, retained, { kind: 'events', facts })
    }
    case 'secret/req': {
      const { correlationId, purpose, generation } = message.payload
      return withSource(message.payload, retained, { kind: 'secret/req', facts: { correlationId, purpose, generation } })
    }
    case 'desired':
    case 'secret/res':
    case 'status':
      return null
  }
}

function withSource(
  envelope: { bootId: string; seq: number; ts: string },
  retained: boolean,
  report: Report,
): { report: Report; source: ReportSource } {
  return { report, source: { kind: 'mqtt', bootId: envelope.bootId, seq: envelope.seq, ts: envelope.ts, retained } }
}
