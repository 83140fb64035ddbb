import type pg from 'pg'
import { z } from 'zod'
import type { Logger } from '../../lib/log.ts'
import type { HostChangeSink, PeerHostChanges } from '../core/publish/host-change-feed.ts'
import { PostgresBroadcast, type BroadcastGap } from '../database/postgres-broadcast.ts'
import type { Host, HostKey, Inventory } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { ManagerConfig } from '../config/config.ts'
import { postgresConnection } from '../database/postgres-pool.ts'
import { instanceId } from './lease.ts'

/** The NOTIFY channel of host changes between replicas. */
const HOST_CHANGES_CHANNEL = 'amt_host_changes'

const Key = { t: z.string().min(1), h: z.string().min(1) }
const isHost = (value: unknown): value is Host =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<Host>).tenantId === 'string' &&
  typeof (value as Partial<Host>).hostId === 'string'
/**
 * One host change on the wire: the stored host (`host`), a deleted host's key (`deleted`), or the key of a host
 * whose JSON would not fit into a NOTIFY (`read`: the receiver reads it from Inventory).
 */
const WireChange = z.discriminatedUnion('k', [
  z.object({ k: z.literal('host'), host: z.custom<Host>(isHost) }),
  z.object({ k: z.literal('deleted'), ...Key }),
  z.object({ k: z.literal('read'), ...Key }),
])
type WireChange = z.infer<typeof WireChange>

export interface HostChangeRelayDeps {
  pool: pg.Pool
  /** The LISTEN connection's settings (postgresConnection). */
  connection: pg.ClientConfig
  /** This replica, unique per start. */
  instance: string
  inventory: Pick<Inventory, 'findHost'>
  metrics: Pick<ManagerMetrics, 'changeFeedListening' | 'changeFeedResyncs'>
  log: Logger
  /** Default true (postgres-broadcast.ts); false for measurements. */
  batch?: boolean
}

export interface HostChangeRelay {
  /** The core's `hostChangeRelay`: this replica's changes, after their commit, go to the others. */
  readonly sink: HostChangeSink
  /** Starts LISTEN; the other replicas' changes are fed into `peer` (the core's peerChanges), in order. */
  listen(peer: PeerHostChanges): void
  /** Resolves once LISTEN is in effect (at once when it is). */
  listening(): Promise<void>
  /** Resolves when every change so far was sent, and every received one fed (tests, measurements). */
  idle(): Promise<void>
  /** Sends what is queued, then stops listening. */
  stop(): Promise<void>
}

/**
 * The live host-change feed across replicas (docs/replicas.md): every change this replica's feed hears of is
 * NOTIFYed on `amt_host_changes` after its commit, and the other replicas' changes are fed into this replica's feed,
 * so every live stream of every replica sees every change once. Received changes are handled one after the other
 * (a `read` waits for its Inventory read), so a host's changes keep their order. A gap (LISTEN reconnected, a sender's
 * envelope lost) makes the feed tell its streams to `resync`.
 */
export function createHostChangeRelay(deps: HostChangeRelayDeps): HostChangeRelay {
  const log = deps.log.child({ module: 'host-change-relay' })
  const { metrics } = deps
  const broadcast = new PostgresBroadcast({
    pool: deps.pool,
    connection: deps.connection,
    channel: HOST_CHANGES_CHANNEL,
    instance: deps.instance,
    log,
    ...(deps.batch === undefined ? {} : { batch: deps.batch }),
  })
  let received: Promise<void> = Promise.resolve()
  const waiting = new Set<() => void>()
  let isListening = false
  const feed = (peer: PeerHostChanges, change: WireChange): Promise<void> | undefined => {
    if (change.k === 'host') return void peer.received({ kind: 'host', host: change.host })
    const key: HostKey = { tenantId: change.t, hostId: change.h }
    if (change.k === 'deleted') return void peer.received({ kind: 'deleted', key })
    return deps.inventory.findHost(key).then(
      // Gone already: its deletion is the next change of it.
      (host) => void (host === null ? undefined : peer.received({ kind: 'host', host })),
      (err: unknown) => {
        log.warn({ err, ...key }, 'a changed host could not be read; live streams resync')
        gap(peer, 'skipped')
      },
    )
  }
  const gap = (peer: PeerHostChanges, reason: BroadcastGap): void => {
    metrics.changeFeedResyncs.inc({ reason })
    peer.resync()
  }
  const deliver = async (peer: PeerHostChanges, messages: readonly unknown[]): Promise<void> => {
    for (const message of messages) {
      const change = WireChange.safeParse(message)
      if (!change.success) log.warn({ issues: change.error.issues.length }, 'an unknown host change was ignored')
      else await feed(peer, change.data)
    }
  }
  metrics.changeFeedListening.set(0)
  return {
    sink: {
      changed: (host) =>
        broadcast.publish({ k: 'host', host }, () => ({ k: 'read', t: host.tenantId, h: host.hostId })),
      deleted: ({ tenantId, hostId }) => {
        const message = { k: 'deleted', t: tenantId, h: hostId }
        broadcast.publish(message, () => message)
      },
    },
    listen(peer) {
      const inTurn = (work: () => unknown): void => {
        received = received
          .then(async () => void (await work()))
          .catch((err: unknown) => log.error({ err }, 'a host change was not fed'))
      }
      broadcast.listen({
        onMessages: (messages) => inTurn(() => deliver(peer, messages)),
        onGap: (reason) => inTurn(() => gap(peer, reason)),
        onListening: (listening) => {
          isListening = listening
          metrics.changeFeedListening.set(listening ? 1 : 0)
          if (listening) for (const resolve of waiting) resolve()
          if (listening) waiting.clear()
        },
      })
    },
    listening: () => (isListening ? Promise.resolve() : new Promise((resolve) => waiting.add(resolve))),
    async idle() {
      await broadcast.idle()
      await received
    },
    async stop() {
      await broadcast.stop()
      await received
      metrics.changeFeedListening.set(0)
    },
  }
}

/** The relay of the replicas on PostgreSQL; null on SQLite (one process: its feed has every change). */
export function openHostChangeRelay(
  config: ManagerConfig,
  deps: Omit<HostChangeRelayDeps, 'connection' | 'instance' | 'pool'> & { pool: pg.Pool | null },
): HostChangeRelay | null {
  const { pool } = deps
  if (pool === null || config.database.engine !== 'postgres') return null
  // Named apart from the pool's connections in pg_stat_activity.
  const connection = { ...postgresConnection(config.database.postgres), application_name: 'amt-manager-listen' }
  return createHostChangeRelay({ ...deps, pool, connection, instance: instanceId() })
}
