import type Database from 'better-sqlite3'
import type { HostFilter, HostKey } from '../port.ts'
import type { HostRow } from './rows.ts'

/**
 * SELECTs of hosts by filter, ordered by (tenant_id, host_id), keyset-paginated. One prepared statement per
 * shape of query, cached (a few dozen at most). Each state filter has an index (state, tenant_id, host_id), so
 * every page is an index range in key order (checked with EXPLAIN QUERY PLAN when the indexes were designed):
 * - within one tenant the cursor is `host_id > ?` (a row-value comparison would stop the range at tenant_id);
 * - `deletion = 'pending'` is inlined so the partial index applies.
 */
const FILTER_COLUMNS = {
  tenantId: 'tenant_id',
  desiredState: 'desired_state',
  currentState: 'current_state',
  statusIndicator: 'status_indicator',
  deletion: 'deletion',
} as const satisfies Record<keyof HostFilter, string>

type FilterField = keyof typeof FILTER_COLUMNS
const FIELDS = Object.keys(FILTER_COLUMNS) as FilterField[]

export class HostQuery {
  readonly #db: Database.Database
  readonly #cache = new Map<string, Database.Statement<unknown[], HostRow>>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  /** Up to `limit` hosts matching the filter after `after` (exclusive); limit -1: all. */
  select(filter: HostFilter, after: HostKey | null, limit: number): HostRow[] {
    const where: string[] = []
    const params: Record<string, string | number> = { limit }
    for (const field of FIELDS) {
      const value = filter[field]
      if (value === undefined) continue
      if (field === 'deletion' && value === 'pending') {
        where.push(`deletion = 'pending'`)
        continue
      }
      where.push(`${FILTER_COLUMNS[field]} = @${field}`)
      params[field] = value
    }
    if (after !== null && after.tenantId === filter.tenantId) {
      where.push('host_id > @afterHost')
      params.afterHost = after.hostId
    } else if (after !== null) {
      where.push('(tenant_id, host_id) > (@afterTenant, @afterHost)')
      Object.assign(params, { afterTenant: after.tenantId, afterHost: after.hostId })
    }
    const sql = `SELECT * FROM hosts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY tenant_id, host_id LIMIT @limit`
    return this.#statement(sql).all(params)
  }

  #statement(sql: string): Database.Statement<unknown[], HostRow> {
    let statement = this.#cache.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], HostRow>(sql)
      this.#cache.set(sql, statement)
    }
    return statement
  }
}
