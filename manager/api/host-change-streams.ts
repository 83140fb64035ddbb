import type { FastifyReply } from 'fastify'
import type { Logger } from '../../lib/log.ts'
import type { HostChangeStreamLimits } from '../config/schema.ts'
import type { HostChange, HostChanges, MissedChanges } from '../core/publish/host-change-feed.ts'
import type { StreamMetrics } from '../metrics/stream-metrics.ts'
import { ApiError } from './errors.ts'
import { SseStream } from './sse-stream.ts'
import { hostView } from './views.ts'

export interface HostChangeStreamsDeps {
  feed: HostChanges
  limits: HostChangeStreamLimits
  /** The API's socket idle timeout: the heartbeat comes at least twice within it. */
  idleTimeoutMs: number
  metrics: StreamMetrics
  log: Logger
}

export interface StreamRequest {
  /** Whose stream it is (the per-token cap): the principal's token id. */
  tokenId: string
  tenantId: string
  /** The Last-Event-ID header (or `?lastEventId=`); undefined: from now on. */
  lastEventId: string | undefined
}

/**
 * The open live host-change streams (GET /api/v1/tenants/{tenantId}/hosts/changes): the caps (all streams, streams
 * per token), one SSE stream per request subscribed to its tenant in the feed, and closing them all when the server
 * closes. What a stream sends (docs/api.md "Live host changes"):
 *   retry: <retryMs>
 *   the missed changes (a resume by Last-Event-ID), or `resync` when they cannot be given: the id is of another
 *   boot, older than the buffer, unknown, or what was missed is more than `maxBufferedBytes`
 *   `ready` (id: the feed's head), then `host` / `deleted` as they happen, a heartbeat comment in between, and
 *   `resync` when the feed lost changes of other replicas (its relay was cut off)
 */
export class HostChangeStreams {
  readonly #deps: HostChangeStreamsDeps
  readonly #log: Logger
  readonly #open = new Set<SseStream>()
  readonly #perToken = new Map<string, number>()
  /** One serialization per change, whatever the number of streams of its tenant. */
  readonly #frames = new WeakMap<HostChange, string>()

  constructor(deps: HostChangeStreamsDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'api/streams' })
  }

  /** Refuses (TOO_MANY_STREAMS, STREAMS_UNAVAILABLE) before anything is sent, else takes over the reply. */
  open(reply: FastifyReply, { tokenId, tenantId, lastEventId }: StreamRequest): void {
    const { feed, limits, metrics } = this.#deps
    const held = this.#perToken.get(tokenId) ?? 0
    if (held >= limits.maxTokenStreams) {
      metrics.refused.inc({ reason: 'per-token' })
      throw new ApiError('TOO_MANY_STREAMS', undefined, { max: limits.maxTokenStreams })
    }
    if (this.#open.size >= limits.maxStreams) {
      metrics.refused.inc({ reason: 'total' })
      throw new ApiError('STREAMS_UNAVAILABLE', undefined, { max: limits.maxStreams })
    }
    reply.hijack()
    this.#perToken.set(tokenId, held + 1)
    let unsubscribe = (): void => undefined
    const stream: SseStream = new SseStream(reply.raw, {
      maxBufferedBytes: limits.maxBufferedBytes,
      heartbeatMs: Math.max(50, Math.min(limits.heartbeatMs, Math.floor(this.#deps.idleTimeoutMs / 2))),
      retryMs: limits.retryMs,
      heartbeatId: () => feed.headId(),
      onEnd: (reason) => {
        unsubscribe()
        this.#open.delete(stream)
        const left = (this.#perToken.get(tokenId) ?? 1) - 1
        if (left > 0) this.#perToken.set(tokenId, left)
        else this.#perToken.delete(tokenId)
        metrics.open.set(this.#open.size)
        if (reason !== 'client') metrics.ended.inc({ reason })
        if (reason === 'slow-reader') this.#log.info({ tenantId, tokenId }, 'live stream cut off: the reader is slow')
      },
    })
    this.#open.add(stream)
    metrics.open.set(this.#open.size)
    // The replay and the subscription in one turn: no change can fall between them.
    const missed: MissedChanges =
      lastEventId === undefined ? { kind: 'replay', changes: [] } : feed.missedSince(tenantId, lastEventId)
    unsubscribe = feed.subscribe(tenantId, {
      change: (change) => stream.write(this.#frameOf(change)),
      resync: () => stream.write(resyncFrame(feed.headId())),
      closed: () => stream.end(),
    })
    this.#start(stream, missed)
  }

  /** Ends every stream (the server closes). */
  closeAll(): void {
    for (const stream of [...this.#open]) stream.end()
  }

  #start(stream: SseStream, missed: MissedChanges): void {
    const head = this.#deps.feed.headId()
    let replay = missed.kind === 'replay' ? missed.changes.map((change) => this.#frameOf(change)) : null
    if (replay !== null && byteLength(replay) > this.#deps.limits.maxBufferedBytes) replay = null
    if (replay === null) stream.write(resyncFrame(head))
    else for (const frame of replay) stream.write(frame)
    stream.write(`id: ${head}\nevent: ready\ndata: {}\n\n`)
  }

  #frameOf(change: HostChange): string {
    let frame = this.#frames.get(change)
    if (frame === undefined) {
      frame =
        change.kind === 'host'
          ? `id: ${change.id}\nevent: host\ndata: ${JSON.stringify(hostView(change.host))}\n\n`
          : `id: ${change.id}\nevent: deleted\ndata: ${JSON.stringify({ hostId: change.hostId })}\n\n`
      this.#frames.set(change, frame)
    }
    return frame
  }
}

const resyncFrame = (head: string): string => `id: ${head}\nevent: resync\ndata: {}\n\n`

function byteLength(frames: readonly string[]): number {
  return frames.reduce((sum, frame) => sum + Buffer.byteLength(frame), 0)
}
