import type Database from 'better-sqlite3'
import type { HostCursor } from '../cursor.ts'
import type { HostFilter, HostPage, HostPageRequest, HostSummary, HostSummaryFilter } from '../port.ts'
import { hostDialect } from '../sql/host-condition-sql.ts'
import { BY_KEY, HostSelectSql, pageOf, type SortedRow, type Statement } from '../sql/host-select-sql.ts'
import { summaryOf, type SummaryRow } from '../sql/host-summary.ts'
import type { HostRow } from '../sql/rows.ts'

/** SQLite's side of the shared host queries (manager/inventory/sql/). */
export const SQLITE_HOSTS = hostDialect({
  capableFalse: "json_extract(capability, '$.capable') = 0",
  like: 'LIKE',
  // A quoted member name: label keys hold dots and slashes (never a quote: labels.ts).
  label: (param) => `json_extract(labels, '$."' || @${param} || '"')`,
  rotationState: "json_extract(rotation, '$.state')",
})

/**
 * The host SELECTs of manager/inventory/sql/host-select-sql.ts on one connection: one prepared statement per
 * shape of query, cached (a few hundred at most).
 */
export class HostQuery {
  readonly #db: Database.Database
  readonly #sql = new HostSelectSql(SQLITE_HOSTS)
  readonly #cache = new Map<string, Database.Statement<unknown[], unknown>>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  /** All hosts matching the filter after `after` (exclusive), by (tenantId, hostId). */
  select(filter: HostFilter, after: HostCursor | null): HostRow[] {
    return this.#all(this.#sql.rows(filter, BY_KEY, after)) as HostRow[]
  }

  page(request: HostPageRequest): HostPage {
    const plan = this.#sql.page(request)
    const rows = this.#all(plan.statement) as SortedRow[]
    return pageOf(plan, rows, request.withTotal === true ? this.#count(plan.filter) : undefined)
  }

  /** How many hosts match the filter. */
  #count(filter: HostFilter): number {
    const { sql, params } = this.#sql.count(filter)
    return (this.#statement(sql).get(params) as { count: number }).count
  }

  summary(tenantId: string, filter?: HostSummaryFilter): HostSummary {
    return summaryOf(this.#all(this.#sql.summary(tenantId, filter)) as SummaryRow[])
  }

  #all({ sql, params }: Statement): unknown[] {
    return this.#statement(sql).all(params)
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
