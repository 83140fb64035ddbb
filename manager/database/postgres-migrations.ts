import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { DatabaseError } from './postgres-pool.ts'

/** A schema version of the database newer than this release knows: refused, nothing is changed. */
export class SchemaTooNewError extends DatabaseError {
  constructor(
    readonly component: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the ${component} schema version ${found} is newer than this release supports (${known}): ` +
        'run a release at least as new as the one that wrote it',
    )
  }
}

/** Any 64-bit constant: the advisory lock that serialises migrations of every component across processes. */
const MIGRATION_LOCK = 0x616d_745f_6d67_72n

/**
 * Brings one component's tables (`inventory`, `tokens`, `leases` ...) to the newest of its `steps`: step i (0-based)
 * is schema version i + 1, applied with its version record in one transaction. Components are versioned separately
 * in `schema_migrations`, so each store owns its schema. Replicas starting together wait on one advisory lock, so
 * each step runs once. Returns the versions before and after.
 */
export async function migratePostgres(
  pool: pg.Pool,
  component: string,
  steps: readonly string[],
  log?: Logger,
): Promise<{ from: number; to: number }> {
  const client = await pool.connect()
  let failed = false
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()])
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           component text PRIMARY KEY,
           version integer NOT NULL,
           migrated_at timestamptz NOT NULL DEFAULT now())`,
      )
      const found = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations WHERE component = $1',
        [component],
      )
      const from = found.rows[0]?.version ?? 0
      if (from > steps.length) throw new SchemaTooNewError(component, from, steps.length)
      for (let version = from + 1; version <= steps.length; version++) {
        await client.query('BEGIN')
        try {
          await client.query(steps[version - 1] as string)
          await client.query(
            `INSERT INTO schema_migrations (component, version) VALUES ($1, $2)
             ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()`,
            [component, version],
          )
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK')
          const reason = err instanceof Error ? err.message : String(err)
          throw new DatabaseError(`the ${component} schema migration to version ${version} failed: ${reason}`, {
            cause: err,
          })
        }
      }
      if (from !== steps.length)
        log?.child({ module: 'database' }).info({ component, from, to: steps.length }, 'schema migrated')
      return { from, to: steps.length }
    } catch (err) {
      failed = true
      throw err
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()])
    }
  } finally {
    // A connection whose transaction or lock state is unknown is closed, not returned to the pool.
    client.release(failed)
  }
}
