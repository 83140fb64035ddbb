import type pg from 'pg'
import type { Logger } from '../../../lib/log.ts'
import { migratePostgres } from '../../database/postgres-migrations.ts'
import type { Expiry, SessionRecord, SessionRecords } from './session-records.ts'
import { recordOfRow, SESSION_COLUMNS, sessionValues, type SessionRow } from './session-rows.ts'

/** Schema steps of the `sessions` component (migratePostgres: version i + 1 is step i). Never edit a released step. */
const STEPS: readonly string[] = [
  `CREATE TABLE console_sessions (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     id_hash text NOT NULL CONSTRAINT console_sessions_id_hash_unique UNIQUE,
     token_id text NOT NULL,
     csrf_hash text NOT NULL,
     created_at bigint NOT NULL,
     last_used_at bigint NOT NULL
   );
   CREATE INDEX console_sessions_by_creation ON console_sessions (created_at, seq);
   CREATE INDEX console_sessions_by_use ON console_sessions (last_used_at);`,
]

const EXPIRED = 'created_at < $6 OR last_used_at < $7'

/**
 * Sign-in: in one statement, the expired sessions and the oldest live ones beyond `maxSessions - 1` are deleted and
 * the new one inserted. Two replicas signing in at the same moment may leave one session more than the limit.
 */
const INSERT = `
  WITH gone AS (
    DELETE FROM console_sessions WHERE ${EXPIRED} OR seq IN (
      SELECT seq FROM console_sessions WHERE NOT (${EXPIRED}) ORDER BY created_at, seq
      LIMIT greatest(0, (SELECT count(*) FROM console_sessions WHERE NOT (${EXPIRED})) - ($8::bigint - 1))))
  INSERT INTO console_sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`

/**
 * The console's sessions in the shared PostgreSQL database: a session opened through one replica is known to
 * every other, and signing out through any replica ends it everywhere. Hashes only (session-rows.ts). Times are
 * the replicas' clocks (epoch ms): replicas whose clocks differ shift a session's expiry by the difference. The
 * pool is the caller's.
 */
export class PostgresSessionRecords implements SessionRecords {
  private constructor(private readonly pool: pg.Pool) {}

  /** Brings the `sessions` schema up to date (under migratePostgres's advisory lock), then the records. */
  static async open(pool: pg.Pool, log?: Logger): Promise<PostgresSessionRecords> {
    await migratePostgres(pool, 'sessions', STEPS, log)
    return new PostgresSessionRecords(pool)
  }

  async insert(record: SessionRecord, expiry: Expiry, maxSessions: number): Promise<void> {
    await this.pool.query(INSERT, [...sessionValues(record), expiry.createdBefore, expiry.usedBefore, maxSessions])
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const found = await this.pool.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM console_sessions WHERE id_hash = $1`,
      [idHash],
    )
    const row = found.rows[0]
    return row === undefined ? null : recordOfRow(row)
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.pool.query('UPDATE console_sessions SET last_used_at = $2 WHERE id_hash = $1 AND last_used_at < $2', [
      idHash,
      at,
    ])
  }

  async remove(idHash: string): Promise<void> {
    await this.pool.query('DELETE FROM console_sessions WHERE id_hash = $1', [idHash])
  }

  async count(): Promise<number> {
    const found = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM console_sessions')
    return Number(found.rows[0]?.n ?? 0)
  }
}
