import { createHash } from 'node:crypto'
import { buildTopic, LEAF_RULES } from '../../../schemas/index.ts'
import type { Outbound, PublishOptions } from '../../ports/outbound.ts'
import { hostId } from '../host-book.ts'
import type { Logger } from '../../../lib/log.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import type { ManagerMetrics } from '../../metrics/metrics.ts'
import type { HostChangeSink } from './host-change-feed.ts'
import { statusFieldsJson, statusPayloadOf } from './host-status.ts'

const DEFAULT_LAST_SEEN_RESOLUTION_MS = 60_000
/** The contract's retain flag and QoS of `status` (LEAF_RULES). */
const STATUS: PublishOptions = { qos: LEAF_RULES.status.qos, retain: LEAF_RULES.status.retained }

interface Published {
  /** A digest of the visible fields' JSON, not the JSON itself: one per host for the process's lifetime. */
  fingerprint: string
  lastSeenMs: number
}

/** SHA-256 of the visible fields' JSON, base64: 44 characters instead of a copy of the whole view (~600) per host. */
const digestOf = (json: string): string => createHash('sha256').update(json).digest('base64')

/**
 * Publishes a host's correlated view on its `status` leaf (retained, QoS 1) only when something visible
 * changed since the last publication: every field but `ts`, and `lastSeen` only once it moved by
 * `lastSeenResolutionMs` (it moves with every message; republishing the view for each would double the
 * traffic of a busy fleet for nothing). `powerStateReadAt` alone never publishes: the power sweep re-reads every
 * PROVISIONED host's state on a schedule, and the status follows changes of the state, not each reading. `force`
 * publishes anyway (after a (re)connect: the broker's retained store may be empty).
 * `changes` (the live feed, host-change-feed.ts) hears of every publication a write caused (not of a forced
 * republication that changes nothing, nor of the start-up sweep's first one) and of every deleted host.
 */
export class StatusPublisher {
  readonly #outbound: Outbound
  readonly #now: () => Date
  readonly #resolutionMs: number
  readonly #metrics: ManagerMetrics | undefined
  readonly #log: Logger | undefined
  readonly #changes: HostChangeSink | undefined
  readonly #published = new Map<string, Published>()

  constructor(
    outbound: Outbound,
    options: {
      now?: () => Date
      lastSeenResolutionMs?: number
      metrics?: ManagerMetrics
      log?: Logger
      changes?: HostChangeSink
    } = {},
  ) {
    this.#outbound = outbound
    this.#now = options.now ?? (() => new Date())
    this.#resolutionMs = options.lastSeenResolutionMs ?? DEFAULT_LAST_SEEN_RESOLUTION_MS
    this.#metrics = options.metrics
    this.#log = options.log
    this.#changes = options.changes
  }

  /** Returns whether it published. */
  publish(host: Host, { force = false }: { force?: boolean } = {}): boolean {
    const fields = statusFieldsJson(host)
    const fingerprint = digestOf(fields)
    const lastSeenMs = host.lastSeen === null ? 0 : Date.parse(host.lastSeen)
    const id = hostId(host)
    const previous = this.#published.get(id)
    const unchanged =
      previous !== undefined &&
      previous.fingerprint === fingerprint &&
      lastSeenMs - previous.lastSeenMs < this.#resolutionMs
    if (unchanged && !force) return false
    try {
      const topic = buildTopic({ tenantId: host.tenantId, hostId: host.hostId, leaf: 'status' })
      // Not parsed again: built from the stored host (test/manager/core/publish/host-status.test.ts keeps it valid),
      // and not serialised again: the fingerprint's JSON is the view's but for the fields it leaves out.
      this.#outbound.publish(topic, Buffer.from(statusPayloadOf(host, this.#now(), fields)), STATUS)
    } catch (err) {
      // A stored host whose ids make no topic is a bug; it must not stop the caller's other work.
      this.#log?.error({ err, tenantId: host.tenantId, hostId: host.hostId }, 'status not published')
      return false
    }
    this.#published.set(id, { fingerprint, lastSeenMs })
    this.#metrics?.published.inc({ leaf: 'status' })
    if (!force || (previous !== undefined && !unchanged)) this.#changes?.changed(host)
    return true
  }

  /** The host is deleted. */
  forget(key: HostKey): void {
    this.#published.delete(hostId(key))
    this.#changes?.deleted(key)
  }
}
