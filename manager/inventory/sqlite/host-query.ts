import type Database from 'better-sqlite3'
import { decodeCursor, encodeCursor, pageSize, type HostCursor } from '../cursor.ts'
import { DEFAULT_HOST_SORT, type HostFilter, type HostKey, type HostPage, type HostPageRequest } from '../port.ts'
import type { HostSummary } from '../port.ts'
import { CAPABILITY_SQL, CONDITION_SQL } from './host-condition-sql.ts'
import { filterClauses, type Clause } from './host-filter-sql.ts'
import { sortSql, type SortSql } from './host-sort-sql.ts'
import { summaryOf, type SummaryRow } from './host-summary.ts'
import { hostFromRow, type HostRow } from './rows.ts'

type SortedRow = HostRow & { sort_value?: string | number }
type Params = Record<string, string | number>

const BY_KEY: SortSql = { expression: null, descending: false }

/**
 * SELECTs of hosts by filter (host-filter-sql.ts), in the order of a sort (host-sort-sql.ts), keyset-paginated on
 * (sort key, tenant_id, host_id). One prepared statement per shape of query, cached (a few hundred at most).
 * The default order (tenant_id, host_id) is an index range for the state filters (indexes (state, tenant_id,
 * host_id), checked with EXPLAIN QUERY PLAN when they were designed):
 * - within one tenant the cursor is `host_id > ?` (a row-value comparison would stop the range at tenant_id);
 * - `deletion = 'pending'` is inlined so the partial index applies.
 * Other sorts read the tenant's matching rows and keep the first page (a top-N sort): docs/benchmarks.md has
 * the figures for 10,000 hosts.
 */
export class HostQuery {
  readonly #db: Database.Database
  readonly #cache = new Map<string, Database.Statement<unknown[], unknown>>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  /** Up to `limit` hosts matching the filter after `after` (exclusive), by (tenantId, hostId); limit -1: all. */
  select(filter: HostFilter, after: HostKey | null, limit: number): HostRow[] {
    return this.#rows(filter, BY_KEY, after, limit)
  }

  page(request: HostPageRequest): HostPage {
    const { limit, cursor, sort = DEFAULT_HOST_SORT, withTotal, ...filter } = request
    const size = pageSize(limit)
    const order = sortSql(sort)
    const after = cursor === undefined ? null : decodeCursor(cursor, sort)
    const rows = this.#rows(filter, order, after, size + 1)
    const last = rows.length > size ? rows[size - 1] : undefined
    const position = sort === DEFAULT_HOST_SORT ? undefined : { sort, value: last?.sort_value ?? '' }
    return {
      hosts: rows.slice(0, size).map(hostFromRow),
      nextCursor:
        last === undefined ? null : encodeCursor({ tenantId: last.tenant_id, hostId: last.host_id }, position),
      ...(withTotal === true ? { total: this.count(filter) } : {}),
    }
  }

  /** How many hosts match the filter. */
  count(filter: HostFilter): number {
    const clauses = filterClauses(filter)
    const sql = `SELECT count(*) AS count FROM hosts${whereOf(clauses.map((clause) => clause.sql))}`
    return (this.#statement(sql).get(paramsOf(clauses)) as { count: number }).count
  }

  /** One grouped query over the tenant's rows. */
  summary(tenantId: string): HostSummary {
    const sql = `SELECT ${CAPABILITY_SQL} AS capability, ${CONDITION_SQL} AS condition, online, count(*) AS count
      FROM hosts WHERE tenant_id = ? GROUP BY 1, 2, 3`
    return summaryOf(this.#statement(sql).all(tenantId) as SummaryRow[])
  }

  #rows(filter: HostFilter, order: SortSql, after: HostCursor | null, limit: number): SortedRow[] {
    const clauses = filterClauses(filter)
    const where = clauses.map((clause) => clause.sql)
    const params: Params = { limit, ...paramsOf(clauses) }
    if (after !== null) where.push(keysetClause(order, after, after.tenantId === filter.tenantId, params))
    const { expression, descending } = order
    const direction = descending ? ' DESC' : ''
    const keys = [...(expression === null ? [] : ['sort_value']), 'tenant_id', 'host_id']
    const columns = expression === null ? '*' : `*, ${expression} AS sort_value`
    const orderBy = keys.map((key) => `${key}${direction}`).join(', ')
    const sql = `SELECT ${columns} FROM hosts${whereOf(where)} ORDER BY ${orderBy} LIMIT @limit`
    return this.#statement(sql).all(params) as SortedRow[]
  }

  #statement(sql: string): Database.Statement<unknown[], unknown> {
    let statement = this.#cache.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], unknown>(sql)
      this.#cache.set(sql, statement)
    }
    return statement
  }
}

const paramsOf = (clauses: readonly Clause[]): Params =>
  clauses.reduce<Params>((params, clause) => ({ ...params, ...clause.params }), {})

const whereOf = (conditions: readonly string[]): string =>
  conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`

/** "After the cursor" in the sort's direction; within the filtered tenant, without the tenant column. */
function keysetClause(order: SortSql, after: HostCursor, sameTenant: boolean, params: Params): string {
  const keys: string[] = []
  const values: string[] = []
  if (order.expression !== null) {
    keys.push(order.expression)
    values.push('@afterValue')
    params.afterValue = after.value ?? ''
  }
  if (!sameTenant) {
    keys.push('tenant_id')
    values.push('@afterTenant')
    params.afterTenant = after.tenantId
  }
  keys.push('host_id')
  values.push('@afterHost')
  params.afterHost = after.hostId
  const compare = order.descending ? '<' : '>'
  return keys.length === 1 ? `host_id ${compare} @afterHost` : `(${keys.join(', ')}) ${compare} (${values.join(', ')})`
}
