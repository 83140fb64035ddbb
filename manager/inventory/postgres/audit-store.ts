import { isoOf } from '../host-patch.ts'
import type {
  AppendAuditInput,
  AuditClass,
  AuditCountPrune,
  AuditEvent,
  AuditPruneCursor,
  AuditQuery,
} from '../port.ts'
import {
  DEFAULT_PRUNE_HOSTS,
  assertClass,
  assertMaxPerHost,
  assertPruneLimit,
  auditEventOf,
  auditListParams,
  auditSql,
  type AuditHostRow,
} from '../sql/audit-sql.ts'
import { atIndex } from '../sql/host-write-sql.ts'
import { auditFromRow, auditToRow, type AuditRow } from '../sql/rows.ts'
import type { Sql } from './sql.ts'

const SQL = auditSql('audit_events')
/** Events appended per INSERT. */
const APPEND_ROWS = 1000
// One statement for many events: their columns as arrays, inserted in input order (the identity follows it).
const INSERT_MANY = `INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor, detail, class)
  SELECT tenant_id, host_id, ts, kind, actor, detail, class
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[])
    WITH ORDINALITY AS e(tenant_id, host_id, ts, kind, actor, detail, class, i)
  ORDER BY i
  RETURNING id`

/**
 * The audit events on PostgreSQL: the statements and rules of manager/inventory/sql/audit-sql.ts, each method in
 * the caller's transaction or on the pool. Ids come from an identity: increasing in the order of appends (of one
 * writer; appends of concurrent transactions interleave, and a page boundary may see a later commit's lower id).
 */
export async function appendAudit(sql: Sql, events: readonly AppendAuditInput[], now: string): Promise<AuditEvent[]> {
  const checked = events.map((input, index) => {
    try {
      return auditEventOf(input, now)
    } catch (err) {
      throw atIndex(index, err)
    }
  })
  const appended: AuditEvent[] = []
  for (let start = 0; start < checked.length; start += APPEND_ROWS) {
    const part = checked.slice(start, start + APPEND_ROWS)
    const rows = part.map(auditToRow)
    const columns = [
      rows.map((row) => row.tenant_id),
      rows.map((row) => row.host_id),
      rows.map((row) => row.ts),
      rows.map((row) => row.kind),
      rows.map((row) => row.actor),
      rows.map((row) => row.detail),
      rows.map((row) => row.class),
    ]
    // The ids were drawn in input order; ascending, they pair with the events whatever order RETURNING gives.
    const ids = (await sql.rows<{ id: number }>(INSERT_MANY, columns)).map((row) => row.id).sort((a, b) => a - b)
    part.forEach((event, index) => appended.push({ id: ids[index] ?? 0, ...event }))
  }
  return appended
}

export async function listAudit(sql: Sql, tenantId: string, query: AuditQuery): Promise<AuditEvent[]> {
  const params = auditListParams(tenantId, query)
  return (await sql.rows<AuditRow>(query.hostId === undefined ? SQL.listTenant : SQL.listHost, params)).map(
    auditFromRow,
  )
}

export async function pruneAuditOlderThan(
  sql: Sql,
  auditClass: AuditClass,
  before: string,
  limit: number,
): Promise<number> {
  assertClass(auditClass)
  assertPruneLimit(limit)
  return sql.run(SQL.deleteOlderThan, { class: auditClass, before: isoOf(before), limit })
}

export async function pruneAuditOverCount(
  sql: Sql,
  { maxPerHost, limit, hosts = DEFAULT_PRUNE_HOSTS, from }: AuditCountPrune,
): Promise<{ deleted: number; next: AuditPruneCursor | null }> {
  assertPruneLimit(limit)
  assertMaxPerHost(maxPerHost)
  let host =
    from === undefined
      ? await sql.row<AuditHostRow>(SQL.firstHost)
      : await sql.row<AuditHostRow>(SQL.hostFrom, { tenant_id: from.tenantId, host_id: from.hostId })
  let deleted = 0
  for (let visited = 0; host !== undefined; visited++) {
    if (visited === hosts || deleted === limit)
      return { deleted, next: { tenantId: host.tenant_id, hostId: host.host_id } }
    const edge = await sql.row<{ id: number }>(SQL.edgeOfHost, { ...host, max: maxPerHost })
    if (edge !== undefined) {
      deleted += await sql.run(SQL.deleteOfHost, { ...host, edge: edge.id, limit: limit - deleted })
      if (deleted === limit) return { deleted, next: { tenantId: host.tenant_id, hostId: host.host_id } }
    }
    host = await sql.row<AuditHostRow>(SQL.hostAfter, host)
  }
  return { deleted, next: null }
}
