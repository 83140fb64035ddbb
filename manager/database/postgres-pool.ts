import pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import type { SecretValue } from '../../lib/secret-value.ts'

/** How the manager reaches PostgreSQL (config `database.postgres`, docs/operations.md). */
export interface PostgresOptions {
  /** `postgresql://user@host:port/database?sslmode=…` (or a unix socket: `?host=/dir`); never a password. */
  url: string
  /** From a file or an environment variable (config), never from the URL. */
  password?: SecretValue
  /** PEM of the CA that signed the server's certificate: TLS with verification. */
  ca?: string
  /** Connections of this process; default 10. */
  poolSize?: number
  /** Default 10 s. */
  connectTimeoutMs?: number
  /** A statement running longer is cancelled by the server; default 30 s. */
  statementTimeoutMs?: number
  /** Shown in pg_stat_activity; default 'amt-manager'. */
  applicationName?: string
  log?: Logger
}

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError'
}

/** `scheme://user:password@…`: the userinfo's password part (libpq URLs may have an empty host, which URL refuses). */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i

/** True when the URL carries a password (config refuses it: passwords come from a file or the environment). */
export const urlHasPassword = (url: string): boolean => URL_PASSWORD.test(url)

/** The URL with any password replaced, for messages. */
export const describeUrl = (url: string): string => url.replace(URL_PASSWORD, '$1:***@')

/**
 * A pg connection pool checked with one round trip. A broken idle connection (the server restarted, a proxy cut
 * it) is logged and dropped by the pool instead of crashing the process ('error' events); the next query opens a
 * new one. Rejects with DatabaseError naming the server (never the password) when the first round trip fails.
 */
export async function openPostgresPool(options: PostgresOptions): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: options.url,
    ...(options.password ? { password: options.password.reveal() } : {}),
    ...(options.ca ? { ssl: { ca: options.ca, rejectUnauthorized: true } } : {}),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'amt-manager',
    idleTimeoutMillis: 30_000,
  })
  const log = options.log?.child({ module: 'database' })
  pool.on('error', (err) => log?.warn({ err: err.message }, 'an idle database connection failed; it is replaced'))
  try {
    await pool.query('SELECT 1')
  } catch (err) {
    await pool.end().catch(() => undefined)
    const reason = err instanceof Error ? err.message : String(err)
    throw new DatabaseError(`cannot reach PostgreSQL at ${describeUrl(options.url)}: ${reason}`, { cause: err })
  }
  return pool
}
