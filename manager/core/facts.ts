import type { BodyOf } from '../../schemas/messages/index.ts'
import type { Capability } from '../../schemas/messages/capability.ts'
import type { RpcError } from '../../schemas/messages/error.ts'
import type { AgentLeaf } from '../../schemas/topics.ts'
import type { Host } from '../inventory/port.ts'

/**
 * Transport-neutral facts about a host, as the MQTT dispatcher (bus/mqtt-report.ts) and the gRPC bridge report
 * them. The handlers (reducers/) see only these types, never a wire payload. The kinds and, where possible, the
 * facts come from the schemas: a report kind is an agent leaf, its facts are the leaf's payload body.
 */

/** The kinds of report an agent makes: the agent leaves of the MQTT contract (schemas/topics.ts LEAF_RULES). */
export type ReportKind = AgentLeaf

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

/**
 * capable: the node has AMT or ISM and an ME device; reason: why not (shown to the user). `report` is the full
 * classified amtinfo when the transport has it (MQTT), stored as the host's capability; gRPC agents send none.
 */
type CapabilityFacts = Pick<BodyOf<'capability'>, 'capable' | 'sku' | 'reason'> & { report?: Capability }

/** An rpc failure as a state report carries it (gRPC agents know no error class). */
type StateError = Pick<RpcError, 'code' | 'name' | 'message'>

type StateBody = BodyOf<'state'>

/**
 * The state body, with what gRPC agents cannot say left optional: no observedGeneration → the host's current
 * desired generation; no controlMode (or UNKNOWN) → the current state is derived from the phase alone.
 */
export type StateFacts = Pick<StateBody, 'phase' | 'reason'> &
  Partial<Pick<StateBody, 'observedGeneration' | 'controlMode' | 'remoteStatus'>> & { error?: StateError }

export type EventFacts = BodyOf<'events'>

export type SecretRequestFacts = BodyOf<'secret/req'>

/** Kinds whose facts are not exactly their payload body (the gRPC bridge reports them too). */
interface OwnFacts {
  capability: CapabilityFacts
  state: StateFacts
}

/** The facts of a kind of report: its own type (OwnFacts), else the leaf's payload body as the schema has it. */
export type FactsOf<K extends ReportKind> = K extends keyof OwnFacts ? OwnFacts[K] : BodyOf<K>

/**
 * One report about one host, its facts typed by kind. `Report<K>` narrows to some kinds (handlers and the MQTT
 * mapping take `Report<K>` with a type parameter so a table lookup by `report.kind` types its facts).
 */
export type Report<K extends ReportKind = ReportKind> = { [P in K]: { kind: P; facts: FactsOf<P> } }[K]

type RejectReason = 'unknown-host' | 'stale' | 'duplicate' | 'invalid' | 'precondition' | 'rate-limited'

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
export type RecordResult =
  { outcome: 'accepted'; host: Host; changed: boolean } | { outcome: 'rejected'; reason: RejectReason; detail?: string }
