import type { ExecutionContext } from 'ava'
import type pg from 'pg'
import { silentLogger } from '../../../lib/log.ts'
import { createApiServer } from '../../../manager/api/server.ts'
import { createSessionStore } from '../../../manager/api/sessions/session-store.ts'
import { issueToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../../manager/api/tokens/token-store.ts'
import { ConsoleSection } from '../../../manager/config/console.ts'
import { HostChangeStreamLimits } from '../../../manager/config/schema.ts'
import { createManagerCore, type ManagerCore } from '../../../manager/core/manager-core.ts'
import { openPostgresPool, postgresConnection } from '../../../manager/database/postgres-pool.ts'
import type { Inventory } from '../../../manager/inventory/port.ts'
import { openPostgresInventory } from '../../../manager/inventory/postgres/open.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { createHostChangeRelay, type HostChangeRelay } from '../../../manager/wiring/host-change-relay.ts'
import { RecordingOutbound } from '../../helpers/manager-core.ts'

/** A manager replica on the shared PostgreSQL database, with its live host-change relay and its own API. */
export interface PgReplica {
  name: string
  pool: pg.Pool
  inventory: Inventory
  core: ManagerCore
  metrics: ManagerMetrics
  relay: HostChangeRelay
  /** http://127.0.0.1:<port> of this replica's API. */
  apiUrl: string
  /** A viewer token of `tenant` for this replica's API. */
  viewerToken(tenant: string): Promise<string>
  /** The `application_name` of its LISTEN connection (to find its backend in pg_stat_activity). */
  listenName: string
}

export interface PgReplicaOptions {
  /** What the relay reads a changed host from (default: the replica's Inventory). */
  readHosts?: (inventory: Inventory) => Pick<Inventory, 'findHost'>
  /** The relay's batching (default on). */
  batch?: boolean
  /** Serve the API (default true). */
  api?: boolean
}

/**
 * A replica as startManager wires one on PostgreSQL (manager/wiring/start-manager.ts): its own pool, Inventory,
 * core and host-change relay (LISTEN on a dedicated connection named `<name>-listen`), and the real API on
 * 127.0.0.1:0. Resolves once LISTEN is in effect. Everything is released in t.teardown.
 */
export async function startPgReplica(
  t: ExecutionContext,
  url: string,
  name: string,
  options: PgReplicaOptions = {},
): Promise<PgReplica> {
  const log = silentLogger()
  const pool = await openPostgresPool({ url, applicationName: name })
  const inventory = await openPostgresInventory({ pool })
  const metrics = createManagerMetrics(inventory)
  const listenName = `${name}-listen`
  const relay = createHostChangeRelay({
    pool,
    connection: { ...postgresConnection({ url }), application_name: listenName },
    instance: name,
    inventory: options.readHosts?.(inventory) ?? inventory,
    metrics,
    log,
    ...(options.batch === undefined ? {} : { batch: options.batch }),
  })
  const core = createManagerCore({
    inventory,
    outbound: new RecordingOutbound(),
    log,
    metrics,
    hostChangeRelay: relay.sink,
  })
  relay.listen(core.peerChanges)
  const tokens = new MemoryTokenStore()
  const app =
    options.api === false
      ? null
      : createApiServer({
          inventory,
          domain: core,
          tokens,
          sessions: createSessionStore(ConsoleSection.parse({})),
          log,
          metrics: metrics.registry,
          hostChangeStreams: HostChangeStreamLimits.parse({}),
        })
  t.teardown(async () => {
    await app?.close()
    await core.stop()
    await relay.stop()
    await inventory.close()
    await pool.end()
  })
  const apiUrl = app === null ? '' : await app.listen({ host: '127.0.0.1', port: 0 })
  await relay.listening()
  let serial = 0
  return {
    name,
    pool,
    inventory,
    core,
    metrics,
    relay,
    apiUrl,
    listenName,
    viewerToken: async (tenant) =>
      (await issueToken(tokens, { role: 'viewer', tenant, name: `viewer-${tenant}-${++serial}` })).token,
  }
}
