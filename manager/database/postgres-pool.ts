import type { ConnectionOptions } from 'node:tls'
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
 * With a CA: TLS verified against it. pg lets the URL's `ssl*` parameters replace the `ssl` option (a CA given next
 * to `sslmode=verify-full` would be dropped), so they are taken out of the URL; `sslmode=verify-ca` keeps its meaning
 * (the chain is verified, the host name is not).
 */
function tlsOf(url: string, ca: string | undefined): { url: string; ssl?: ConnectionOptions } {
  if (ca === undefined) return { url }
  const at = url.indexOf('?')
  const query = new URLSearchParams(at < 0 ? '' : url.slice(at + 1))
  const verifyHost = query.get('sslmode') !== 'verify-ca'
  for (const key of [...query.keys()]) if (key.startsWith('ssl')) query.delete(key)
  const rest = query.toString()
  const base = at < 0 ? url : url.slice(0, at)
  return {
    url: rest === '' ? base : `${base}?${rest}`,
    ssl: { ca, rejectUnauthorized: true, ...(verifyHost ? {} : { checkServerIdentity: () => undefined }) },
  }
}

/** The settings of one connection (the pool's, or a dedicated one: postgres-listener.ts). */
export function postgresConnection(options: Omit<PostgresOptions, 'poolSize' | 'log'>): pg.ClientConfig {
  const { url, ssl } = tlsOf(options.url, options.ca)
  return {
    connectionString: url,
    ...(options.password ? { password: options.password.reveal() } : {}),
    ...(ssl ? { ssl } : {}),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'amt-manager',
  }
}

/**
 * A pg connection pool checked with one round trip. A broken idle connection (the server restarted, a proxy cut
 * it) is logged and dropped by the pool instead of crashing the process ('error' events); the next query opens a
 * new one. Rejects with DatabaseError naming the server (never the password) when the first round trip fails.
 */
export async function openPostgresPool(options: PostgresOptions): Promise<pg.Pool> {
  const pool = new pg.Pool({ ...postgresConnection(options), max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 })
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
