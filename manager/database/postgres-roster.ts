import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { migrateLeases, type LeaseTimings } from './postgres-lease.ts'

export interface ReplicaRosterOptions extends LeaseTimings {
  pool: pg.Pool
  /** This replica (unique per start). */
  instance: string
  /**
   * Replicas whose presence expired: each departed replica is reported to exactly one survivor (the one whose
   * DELETE removed its row), which takes over what the departed one may have left undone.
   */
  onDeparted: (instances: readonly string[]) => void
  log?: Logger
}

export interface ReplicaRoster {
  /** Removes this replica's row (a clean stop is no departure: nobody catches up after it). */
  stop(): Promise<void>
}

const PREFIX = 'replica:'

/** Presence of this replica, valid for ttl by the database's clock. */
const HEARTBEAT = `
  INSERT INTO leases AS l (name, holder, expires_at, acquired_at)
  VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000), now())
  ON CONFLICT (name) DO UPDATE SET expires_at = EXCLUDED.expires_at`

/** Rows of replicas that stopped renewing: deleted once, by whichever survivor gets there first. */
const SWEEP = `DELETE FROM leases WHERE name LIKE '${PREFIX}%' AND expires_at <= now() RETURNING holder`

/**
 * Who is alive among the replicas, in the `leases` table (docs/replicas.md): each replica renews a
 * `replica:<instance>` row every renewMs and, in the same round, deletes the rows of replicas that stopped renewing
 * ttl ago. A replica killed in the middle of work may have taken messages with it (a shared subscription delivers
 * each message to one member; Mosquitto does not hand a dead member's in-flight messages to the others); the
 * survivor told about it replays the retained agent leaves. A database error is logged and retried next round.
 */
export async function openReplicaRoster(options: ReplicaRosterOptions): Promise<ReplicaRoster> {
  const { pool, instance, ttlMs, renewMs, log } = options
  await migrateLeases(pool, log)
  const name = `${PREFIX}${instance}`
  let failing = false
  let round: Promise<void> = Promise.resolve()
  const beat = async (): Promise<void> => {
    try {
      await pool.query(HEARTBEAT, [name, instance, ttlMs])
      const departed = (await pool.query<{ holder: string }>(SWEEP)).rows.map((row) => row.holder)
      failing = false
      if (departed.length > 0) {
        log?.warn({ departed }, 'replicas stopped without leaving; catching up on what they may have taken')
        options.onDeparted(departed)
      }
    } catch (err) {
      if (!failing) log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'replica presence failed')
      failing = true
    }
  }
  await beat()
  const timer = setInterval(() => {
    round = round.then(beat)
  }, renewMs)
  return {
    async stop() {
      clearInterval(timer)
      await round
      await pool.query('DELETE FROM leases WHERE name = $1', [name]).catch(() => undefined)
    },
  }
}
