import { decodeCursor, encodeCursor, pageSize, type HostCursor } from '../cursor.ts'
import {
  DEFAULT_HOST_SORT,
  type HostFilter,
  type HostPage,
  type HostPageRequest,
  type HostSummaryFilter,
} from '../port.ts'
import type { HostDialect } from './host-condition-sql.ts'
import { filterClauses, type Clause } from './host-filter-sql.ts'
import { sortSql, type SortSql } from './host-sort-sql.ts'
import { hostFromRow, type HostRow } from './rows.ts'

type Params = Record<string, string | number>
/** SQL with named parameters (`@name`): SQLite binds them as they are, PostgreSQL numbers them. */
export interface Statement {
  sql: string
  params: Params
}

export type SortedRow = HostRow & { sort_value?: string | number }

/** A page request made into its SELECT; `pageOf` makes the rows into the page. */
export interface PagePlan {
  statement: Statement
  size: number
  request: HostPageRequest
  filter: HostFilter
}

export const BY_KEY: SortSql = { expression: null, descending: false }

/**
 * The SELECTs of hosts by filter (host-filter-sql.ts), in the order of a sort (host-sort-sql.ts), keyset-paginated
 * on (sort key, tenant_id, host_id), for every engine. The default order (tenant_id, host_id) is an index range for
 * the state filters (indexes (state, tenant_id, host_id), checked with EXPLAIN QUERY PLAN when they were designed):
 * - within one tenant the cursor is `host_id > ?` (a row-value comparison would stop the range at tenant_id);
 * - `deletion = 'pending'` is inlined so the partial index applies.
 * Other sorts read the tenant's matching rows and keep the first page (a top-N sort): docs/benchmarks.md has the
 * figures for 10,000 hosts.
 */
export class HostSelectSql {
  readonly #dialect: HostDialect

  constructor(dialect: HostDialect) {
    this.#dialect = dialect
  }

  /** Up to `limit` hosts (all when absent) matching the filter after `after` (exclusive), in the order. */
  rows(filter: HostFilter, order: SortSql, after: HostCursor | null, limit?: number): Statement {
    const clauses = filterClauses(filter, this.#dialect)
    const where = clauses.map((clause) => clause.sql)
    const params: Params = paramsOf(clauses)
    if (after !== null) where.push(keysetClause(order, after, after.tenantId === filter.tenantId, params))
    const { expression, descending } = order
    const direction = descending ? ' DESC' : ''
    const keys = [...(expression === null ? [] : ['sort_value']), 'tenant_id', 'host_id']
    const columns = expression === null ? '*' : `*, ${expression} AS sort_value`
    const orderBy = keys.map((key) => `${key}${direction}`).join(', ')
    if (limit !== undefined) params.limit = limit
    const sql = `SELECT ${columns} FROM hosts${whereOf(where)} ORDER BY ${orderBy}`
    return { sql: limit === undefined ? sql : `${sql} LIMIT @limit`, params }
  }

  page(request: HostPageRequest): PagePlan {
    const { limit, cursor, sort = DEFAULT_HOST_SORT, withTotal: _, ...filter } = request
    const size = pageSize(limit)
    const order = sortSql(sort, this.#dialect)
    const after = cursor === undefined ? null : decodeCursor(cursor, sort)
    return { statement: this.rows(filter, order, after, size + 1), size, request, filter }
  }

  /** How many hosts match the filter: one row, `count`. */
  count(filter: HostFilter): Statement {
    const clauses = filterClauses(filter, this.#dialect)
    const sql = `SELECT count(*) AS count FROM hosts${whereOf(clauses.map((clause) => clause.sql))}`
    return { sql, params: paramsOf(clauses) }
  }

  /** One grouped query over the tenant's rows matching the filter (SummaryRow, host-summary.ts). */
  summary(tenantId: string, filter: HostSummaryFilter = {}): Statement {
    const { capability, condition } = this.#dialect
    const clauses = filterClauses({ ...filter, tenantId }, this.#dialect)
    const sql = `SELECT ${capability} AS capability, ${condition} AS condition, online, count(*) AS count
      FROM hosts${whereOf(clauses.map((clause) => clause.sql))} GROUP BY 1, 2, 3`
    return { sql, params: paramsOf(clauses) }
  }
}

/** The page of a plan's rows; `total` only when the request asked for it. */
export function pageOf({ size, request }: PagePlan, rows: readonly SortedRow[], total?: number): HostPage {
  const sort = request.sort ?? DEFAULT_HOST_SORT
  const last = rows.length > size ? rows[size - 1] : undefined
  const position = sort === DEFAULT_HOST_SORT ? undefined : { sort, value: last?.sort_value ?? '' }
  return {
    hosts: rows.slice(0, size).map(hostFromRow),
    nextCursor: last === undefined ? null : encodeCursor({ tenantId: last.tenant_id, hostId: last.host_id }, position),
    ...(request.withTotal === true ? { total } : {}),
  }
}

const whereOf = (conditions: readonly string[]): string =>
  conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`

const paramsOf = (clauses: readonly Clause[]): Params =>
  clauses.reduce<Params>((params, clause) => ({ ...params, ...clause.params }), {})

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
