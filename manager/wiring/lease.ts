import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { ENV_INSTANCE, type ManagerConfig } from '../config/config.ts'
import { openPostgresLease } from '../database/postgres-lease.ts'
import { openReplicaRoster } from '../database/postgres-roster.ts'
import type { ManagerBus } from '../bus/mqtt-bus.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import { singleProcessLease, type Lease } from '../ports/lease.ts'

/** The one lease of the once-cluster-wide work (docs/architecture.md "Leases"); the metrics' `name` label. */
export const CLUSTER_WORK_LEASE = 'cluster-work'

/**
 * The lease of the once-cluster-wide work: on SQLite (no pool) held by this process alone; on PostgreSQL a lease
 * row shared with the other replicas on `pool`. Its holding is shown as amt_manager_lease_held{name} and every
 * change counted in amt_manager_lease_transitions_total{name,to}.
 */
export async function openClusterLease(
  config: ManagerConfig,
  deps: { pool: pg.Pool | null; log: Logger; metrics: Pick<ManagerMetrics, 'leaseHeld' | 'leaseTransitions'> },
): Promise<Lease> {
  const { metrics } = deps
  const name = CLUSTER_WORK_LEASE
  const lease: Lease =
    deps.pool === null || config.database.engine !== 'postgres'
      ? singleProcessLease(name)
      : await openPostgresLease({
          pool: deps.pool,
          name,
          holder: instanceId(),
          ...config.database.postgres.lease,
          log: deps.log,
        })
  metrics.leaseHeld.set({ name }, lease.held ? 1 : 0)
  if (lease.held) metrics.leaseTransitions.inc({ name, to: 'gained' })
  lease.onChange((held) => {
    metrics.leaseHeld.set({ name }, held ? 1 : 0)
    metrics.leaseTransitions.inc({ name, to: held ? 'gained' : 'lost' })
  })
  return lease
}

/** This start of this process among the replicas (not a secret; shown in the lease rows). */
export const instanceId = (): string =>
  `${process.env[ENV_INSTANCE] || hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

/**
 * Replicas on PostgreSQL watch each other's presence (postgres-roster.ts): when one dies without leaving, one
 * survivor replays the retained agent leaves (bus.catchUp), so what the dead one took from a shared subscription
 * is processed by a survivor. Null on SQLite (one process).
 */
export async function watchReplicas(
  config: ManagerConfig,
  deps: { pool: pg.Pool | null; bus: Pick<ManagerBus, 'catchUp'>; log: Logger },
): Promise<{ stop(): Promise<void> } | null> {
  if (deps.pool === null || config.database.engine !== 'postgres') return null
  const { log } = deps
  return openReplicaRoster({
    pool: deps.pool,
    instance: instanceId(),
    ...config.database.postgres.lease,
    log,
    onDeparted: () => {
      deps.bus.catchUp().catch((err: unknown) => log.warn({ err }, 'catch-up after a departed replica failed'))
    },
  })
}
