import type pg from 'pg'
import type { Logger } from '../../../lib/log.ts'
import { migratePostgres } from '../../database/postgres-migrations.ts'
import { SqlWaveHistory, type SqlRunner, type SqlWaveHistoryOptions } from './sql-wave-history.ts'

/** Schema steps of the `console-waves` component (migratePostgres). Never edit a released step; add one. */
const STEPS: readonly string[] = [
  `CREATE TABLE console_wave_samples (
     tenant_id text NOT NULL,
     at bigint NOT NULL,
     targeted integer NOT NULL,
     done integer NOT NULL,
     failed integer NOT NULL,
     counted_at bigint NOT NULL,
     PRIMARY KEY (tenant_id, at)
   );`,
]

/**
 * The console's wave history in the shared PostgreSQL database (sql-wave-history.ts): every replica records the
 * waves it counts into one table and draws its charts from it. The pool is the caller's.
 */
export async function openPostgresWaveHistory(
  pool: pg.Pool,
  log?: Logger,
  options?: SqlWaveHistoryOptions,
): Promise<SqlWaveHistory> {
  await migratePostgres(pool, 'console-waves', STEPS, log)
  const sql: SqlRunner = {
    rows: async <T>(text: string, params: readonly unknown[]) =>
      (await pool.query<T & pg.QueryResultRow>(text, [...params])).rows,
    run: async (text, params) => void (await pool.query(text, [...params])),
  }
  return new SqlWaveHistory(sql, options)
}
