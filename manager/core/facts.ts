import type { AgentPhase, AmtSku, ObservedControlMode, RasRemoteStatus } from '../../schemas/enums.ts'
import type { Capability } from '../../schemas/messages/capability.ts'
import type { Event } from '../../schemas/messages/events.ts'
import type { SecretRequest } from '../../schemas/messages/secret.ts'
import type { Host } from '../inventory/port.ts'

/**
 * Transport-neutral facts about a host, as the MQTT dispatcher (handlers/dispatch.ts) and the gRPC bridge
 * report them. The correlation handlers see only these types, never a wire payload.
 */

/** The kinds of report an agent makes (the agent leaves of the MQTT contract). */
export type ReportKind = 'presence' | 'capability' | 'state' | 'events' | 'secret/req'

/** Where a report comes from. MQTT reports carry the envelope used to drop stale and duplicate messages. */
export type ReportSource =
  | {
      kind: 'mqtt'
      bootId: string
      seq: number
      /** The agent's own time of the message (RFC 3339). */
      ts: string
      /** Delivered from the broker's retained store (a replay after subscribing), not live. */
      retained: boolean
    }
  | { kind: 'grpc' }

export interface PresenceFacts {
  online: boolean
  agentVersion?: string
}

export interface CapabilityFacts {
  /** The node has AMT or ISM and an ME device. */
  capable: boolean
  sku: AmtSku
  /** Why the node is not capable (shown to the user). */
  reason?: string
  /** The full classified amtinfo, when the transport has it (MQTT); stored as the host's capability. */
  report?: Capability
}

export interface StateError {
  code: number | null
  name: string
  message: string
}

export interface StateFacts {
  phase: AgentPhase
  /**
   * The desired generation the report is about. Absent (gRPC agents know no generations): the host's current
   * desired generation.
   */
  observedGeneration?: number
  /** What the firmware reports; absent or UNKNOWN: the current state is derived from the phase alone. */
  controlMode?: ObservedControlMode
  remoteStatus?: RasRemoteStatus | null
  error?: StateError
  reason?: string
}

export type EventFacts = Pick<Event, 'kind' | 'message' | 'generation' | 'detail'>

export type SecretRequestFacts = Pick<SecretRequest, 'correlationId' | 'purpose' | 'generation'>

export type FactsOf<K extends ReportKind> = {
  presence: PresenceFacts
  capability: CapabilityFacts
  state: StateFacts
  events: EventFacts
  'secret/req': SecretRequestFacts
}[K]

/** One report about one host. */
export type Report = { [K in ReportKind]: { kind: K; facts: FactsOf<K> } }[ReportKind]

export type RejectReason = 'unknown-host' | 'stale' | 'duplicate' | 'invalid' | 'precondition' | 'rate-limited'

/**
 * Options of one report. `precondition` runs against the host as stored (and as projected after earlier reports
 * of the same batch), inside the host write queue, right before the report is handled: a returned text refuses
 * the report (rejected 'precondition' with that text as detail) and nothing is written. A transport's guard and
 * the write are thus one step (the gRPC bridge's FAILED_PRECONDITION rules), even under concurrent reports.
 */
export interface RecordOptions {
  precondition?: (host: Host) => string | null
}

/** What became of a report: accepted (stored; `changed` when a stored field moved) or rejected with a reason. */
export type RecordResult = { outcome: 'accepted'; host: Host; changed: boolean } | { outcome: 'rejected'; reason: RejectReason; detail?: string }
