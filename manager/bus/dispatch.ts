import type { Logger } from '../../lib/log.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES, decodeMessage, parseTopic, type DecodedMessage } from '../../schemas/index.ts'
import type { RecordResult, Report, ReportSource } from '../core/facts.ts'
import type { HostKey } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import { reportOf } from './mqtt-report.ts'

type DispatchOutcome =
  | { outcome: 'accepted'; changed: boolean }
  | { outcome: 'rejected'; reason: string; detail?: string }
  /** An empty retained payload (the host's retained topics were cleared): nothing to do. */
  | { outcome: 'cleared' }

export interface DispatcherDeps {
  record: (key: HostKey, report: Report, source: ReportSource) => Promise<RecordResult>
  log: Logger
  metrics: ManagerMetrics
  maxPayloadBytes?: number
}

/**
 * `decoded`: what the embedded broker's payload check decoded from exactly this payload (broker/auth/decoded-handoff.ts),
 * used instead of decoding again.
 */
export type Dispatch = (
  topic: string,
  payload: Uint8Array,
  retained: boolean,
  decoded?: DecodedMessage,
) => Promise<DispatchOutcome>

/**
 * The one dispatcher of MQTT messages: decode (schemas/decode.ts) → count → route the report to its handler
 * through the ingest. Rejections (bad JSON, schema, host mismatch, unsupported version; unknown host, stale,
 * duplicate from the ingest) are logged with their reason and counted; nothing throws.
 */
export function createDispatcher({ record, log: parentLog, metrics, maxPayloadBytes }: DispatcherDeps): Dispatch {
  const log = parentLog.child({ module: 'dispatch' })
  const options = maxPayloadBytes === undefined ? {} : { maxPayloadBytes }
  const maxBytes = maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  return async (topic, payload, retained, handed) => {
    const decoded =
      handed !== undefined && payload.byteLength <= maxBytes ? handed : decodeMessage(topic, payload, options)
    if (decoded.kind === 'rejected') {
      metrics.messages.inc({ leaf: leafOf(topic) })
      metrics.rejections.inc({ reason: decoded.reason })
      log.warn({ reason: decoded.reason, detail: decoded.detail, topic: decoded.topic }, 'message rejected')
      return { outcome: 'rejected', reason: decoded.reason, detail: decoded.detail }
    }
    metrics.messages.inc({ leaf: decoded.leaf })
    if (decoded.kind === 'cleared') {
      log.debug({ tenantId: decoded.tenantId, hostId: decoded.hostId, leaf: decoded.leaf }, 'retained topic cleared')
      return { outcome: 'cleared' }
    }
    const routed = reportOf(decoded, retained)
    if (routed === null) {
      metrics.rejections.inc({ reason: 'not-agent-leaf' })
      log.warn(
        { leaf: decoded.leaf, tenantId: decoded.tenantId, hostId: decoded.hostId },
        'message rejected: not an agent leaf',
      )
      return { outcome: 'rejected', reason: 'not-agent-leaf' }
    }
    try {
      const result = await record({ tenantId: decoded.tenantId, hostId: decoded.hostId }, routed.report, routed.source)
      return result.outcome === 'accepted' ? { outcome: 'accepted', changed: result.changed } : result
    } catch (err) {
      // Logged and counted by the ingest (an Inventory failure); the message is lost, a retained one returns.
      return {
        outcome: 'rejected',
        reason: 'inventory-error',
        detail: err instanceof Error ? err.message : String(err),
      }
    }
  }
}

function leafOf(topic: string): string {
  const parsed = parseTopic(topic)
  return parsed.ok ? parsed.address.leaf : 'unknown'
}
