import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { migratePostgres } from './postgres-migrations.ts'

/** Config `database.postgres.lease` (docs/operations.md). */
export interface LeaseTimings {
  /** How long a taken or renewed lease is valid, counted by the database's clock. */
  ttlMs: number
  /** How often the holder renews and the others try to take it; at most ttlMs / 3. */
  renewMs: number
}

export const DEFAULT_LEASE_TIMINGS: Readonly<LeaseTimings> = { ttlMs: 10_000, renewMs: 3_000 }

export interface PostgresLeaseOptions extends LeaseTimings {
  pool: pg.Pool
  /** The lease row's name (one per kind of once-cluster-wide work). */
  name: string
  /** This process among the replicas (unique per start; shown in the row, never a secret). */
  holder: string
  log?: Logger
}

const STEPS = [
  `CREATE TABLE leases (
     name text PRIMARY KEY,
     holder text NOT NULL,
     expires_at timestamptz NOT NULL,
     acquired_at timestamptz NOT NULL)`,
]

/**
 * Take (no row, or its holder's time ran out) or renew (the row is ours) in one statement; the expiry is computed
 * with the database's clock, so the replicas' clocks do not matter. No row back: someone else holds it.
 */
const ACQUIRE = `
  INSERT INTO leases AS l (name, holder, expires_at, acquired_at)
  VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000), now())
  ON CONFLICT (name) DO UPDATE
     SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
         acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE EXCLUDED.acquired_at END
   WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
  RETURNING holder`

const RELEASE = 'DELETE FROM leases WHERE name = $1 AND holder = $2'

/**
 * The part of the ttl a holder keeps in hand: it considers the lease lost at (send time of its last successful
 * renewal) + ttl − margin, while the database frees it no earlier than (that statement's execution) + ttl. The
 * margin covers a late timer of this process and a difference in clock rate (not offset) with the database.
 */
export const lossMarginMs = (ttlMs: number): number => Math.round(ttlMs / 5)

/**
 * A lease held in PostgreSQL (docs/architecture.md "Leases"): tries to take or renew it every renewMs; `held` turns
 * false at the local deadline (see lossMarginMs) when no renewal succeeded before it — before any other replica can
 * take the row. A database error never throws: it is logged and counts toward the loss. stop() deletes the row, so
 * the next holder takes over at its next try instead of waiting for the expiry.
 */
export class PostgresLease {
  readonly shared = true
  readonly #options: PostgresLeaseOptions
  readonly #log: Logger | undefined
  readonly #listeners = new Set<(held: boolean) => void>()
  #held = false
  #stopped = false
  #failing = false
  #renewTimer: NodeJS.Timeout | undefined
  #lossTimer: NodeJS.Timeout | undefined
  #attempt: Promise<void> | null = null

  constructor(options: PostgresLeaseOptions) {
    if (!(options.renewMs > 0 && options.renewMs * 3 <= options.ttlMs))
      throw new RangeError(`lease ${options.name}: renewMs must be > 0 and at most ttlMs / 3`)
    this.#options = options
    this.#log = options.log?.child({ module: 'lease', lease: options.name, holder: options.holder })
  }

  get name(): string {
    return this.#options.name
  }

  get held(): boolean {
    return this.#held
  }

  onChange(listener: (held: boolean) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The first try now (resolved when it is answered), then one every renewMs. */
  async start(): Promise<void> {
    if (this.#stopped || this.#renewTimer) return
    this.#renewTimer = setInterval(() => void this.#try(), this.#options.renewMs)
    this.#renewTimer.unref()
    await this.#try()
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#renewTimer)
    clearTimeout(this.#lossTimer)
    await this.#attempt
    const wasHeld = this.#held
    this.#set(false, 'stopped')
    if (!wasHeld) return
    try {
      await this.#options.pool.query(RELEASE, [this.#options.name, this.#options.holder])
    } catch (err) {
      this.#log?.warn({ err: reason(err) }, 'lease not released: the next holder takes it at its expiry')
    }
  }

  #try(): Promise<void> {
    this.#attempt ??= this.#acquire().finally(() => {
      this.#attempt = null
    })
    return this.#attempt
  }

  async #acquire(): Promise<void> {
    const { pool, name, holder, ttlMs } = this.#options
    const sentAt = performance.now()
    let ours: boolean
    try {
      const result = await pool.query(ACQUIRE, [name, holder, ttlMs])
      ours = result.rowCount === 1
      if (this.#failing) this.#log?.info('lease database reachable again')
      this.#failing = false
    } catch (err) {
      if (!this.#failing) this.#log?.warn({ err: reason(err) }, 'lease not renewed: the database did not answer')
      this.#failing = true
      return
    }
    if (this.#stopped) return
    if (!ours) {
      this.#set(false, 'taken by another replica')
      return
    }
    const validMs = sentAt + ttlMs - lossMarginMs(ttlMs) - performance.now()
    if (validMs <= 0) return
    clearTimeout(this.#lossTimer)
    this.#lossTimer = setTimeout(() => this.#set(false, 'not renewed in time'), validMs)
    this.#lossTimer.unref()
    this.#set(true, 'taken')
  }

  #set(held: boolean, why: string): void {
    if (held === this.#held) return
    this.#held = held
    if (!held) clearTimeout(this.#lossTimer)
    if (held) this.#log?.info('lease gained')
    else if (why === 'stopped') this.#log?.info('lease released')
    else this.#log?.warn({ reason: why }, 'lease lost: the guarded work stops')
    for (const listener of [...this.#listeners]) {
      try {
        listener(held)
      } catch (err) {
        this.#log?.error({ err }, 'a lease listener failed')
      }
    }
  }
}

/** The `leases` table (leases, and the replicas' presence rows of postgres-roster.ts). */
export const migrateLeases = (pool: pg.Pool, log?: Logger) => migratePostgres(pool, 'leases', STEPS, log)

/** Migrates the `leases` component, then starts the lease (its first try answered). */
export async function openPostgresLease(options: PostgresLeaseOptions): Promise<PostgresLease> {
  await migrateLeases(options.pool, options.log)
  const lease = new PostgresLease(options)
  await lease.start()
  return lease
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err))
