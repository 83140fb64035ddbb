import type { HostFilter, HostPage, HostPageRequest, HostSummary, HostSummaryFilter } from '../port.ts'
import { hostDialect } from '../sql/host-condition-sql.ts'
import { BY_KEY, HostSelectSql, pageOf, type SortedRow } from '../sql/host-select-sql.ts'
import { summaryOf, type SummaryRow } from '../sql/host-summary.ts'
import type { HostRow } from '../sql/rows.ts'
import type { Sql } from './sql.ts'

/** PostgreSQL's side of the shared host queries (manager/inventory/sql/). */
export const POSTGRES_HOSTS = hostDialect({
  capableFalse: `capability -> 'capable' = 'false'::jsonb`,
  like: 'ILIKE',
  label: (param) => `(labels ->> @${param}::text)`,
  rotationState: "(rotation ->> 'state')",
})
const hostSql = new HostSelectSql(POSTGRES_HOSTS)

/** Every host matching the filter, by (tenantId, hostId), locked for this transaction's writes. */
export async function selectForUpdate(sql: Sql, filter: HostFilter): Promise<HostRow[]> {
  const { sql: text, params } = hostSql.rows(filter, BY_KEY, null)
  return sql.rows<HostRow>(`${text} FOR UPDATE`, params)
}

export async function hostPage(sql: Sql, request: HostPageRequest): Promise<HostPage> {
  const plan = hostSql.page(request)
  const rows = await sql.rows<SortedRow>(plan.statement.sql, plan.statement.params)
  if (request.withTotal !== true) return pageOf(plan, rows)
  const count = hostSql.count(plan.filter)
  const total = await sql.row<{ count: number }>(count.sql, count.params)
  return pageOf(plan, rows, total?.count ?? 0)
}

export async function hostSummary(sql: Sql, tenantId: string, filter?: HostSummaryFilter): Promise<HostSummary> {
  const { sql: text, params } = hostSql.summary(tenantId, filter)
  return summaryOf(await sql.rows<SummaryRow>(text, params))
}
