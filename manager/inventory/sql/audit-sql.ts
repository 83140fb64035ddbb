import { auditClassOf } from '../audit-class.ts'
import { pageSize } from '../cursor.ts'
import { invalidInput } from '../errors.ts'
import { assertId, isoOf } from '../host-patch.ts'
import type { AppendAuditInput, AuditClass, AuditEvent, AuditQuery } from '../port.ts'

/** The audit events' SQL and input rules, for every SQL adapter. */

const CLASSES = new Set<AuditClass>(['security', 'activity'])
export const DEFAULT_PRUNE_HOSTS = 100

export type AuditHostRow = { tenant_id: string; host_id: string }

/**
 * The statements; `byHost` is how the engine reads audit_events along the index audit_of_host (tenant_id, host_id,
 * id, class): SQLite's planner prefers audit_by_class_ts or audit_by_class and sorts or scans every activity row of
 * the tenant unless told; one seek per host, reading the index alone (the class is in it), is the point.
 */
export function auditSql(byHost: string) {
  const activity = "class = 'activity' AND host_id IS NOT NULL"
  return {
    insert:
      'INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor, detail, class) VALUES (@tenant_id, @host_id, @ts, @kind, @actor, @detail, @class)',
    listTenant:
      'SELECT * FROM audit_events WHERE tenant_id = @tenant_id AND (class = @class OR @class IS NULL) AND id < @before ORDER BY id DESC LIMIT @limit',
    listHost: `SELECT * FROM audit_events WHERE tenant_id = @tenant_id AND host_id = @host_id AND (class = @class OR @class IS NULL) AND id < @before
       ORDER BY id DESC LIMIT @limit`,
    deleteOlderThan:
      'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE class = @class AND ts < @before ORDER BY class, ts LIMIT @limit)',
    // The hosts with activity events, one index seek each (audit_of_host).
    firstHost: `SELECT tenant_id, host_id FROM ${byHost} WHERE ${activity} ORDER BY tenant_id, host_id LIMIT 1`,
    hostFrom: `SELECT tenant_id, host_id FROM ${byHost} WHERE ${activity} AND (tenant_id, host_id) >= (@tenant_id, @host_id) ORDER BY tenant_id, host_id LIMIT 1`,
    hostAfter: `SELECT tenant_id, host_id FROM ${byHost} WHERE ${activity} AND (tenant_id, host_id) > (@tenant_id, @host_id) ORDER BY tenant_id, host_id LIMIT 1`,
    // The newest event beyond the ones kept: it and everything older go.
    edgeOfHost: `SELECT id FROM ${byHost} WHERE ${activity} AND tenant_id = @tenant_id AND host_id = @host_id ORDER BY id DESC LIMIT 1 OFFSET @max`,
    deleteOfHost: `DELETE FROM audit_events WHERE id IN (SELECT id FROM ${byHost}
       WHERE ${activity} AND tenant_id = @tenant_id AND host_id = @host_id AND id <= @edge ORDER BY id LIMIT @limit)`,
  }
}

/** The parameters of listTenant / listHost, validated. */
export function auditListParams(tenantId: string, query: AuditQuery) {
  const before = query.before ?? Number.MAX_SAFE_INTEGER
  if (!Number.isSafeInteger(before)) throw invalidInput('before must be an audit event id')
  if (query.class !== undefined) assertClass(query.class)
  return {
    tenant_id: tenantId,
    host_id: query.hostId ?? null,
    class: query.class ?? null,
    before,
    limit: pageSize(query.limit),
  }
}

export function assertClass(auditClass: AuditClass): void {
  if (!CLASSES.has(auditClass)) throw invalidInput("class must be 'security' or 'activity'")
}

export function assertPruneLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000)
    throw invalidInput('limit must be an integer 1..100000')
}

export function assertMaxPerHost(maxPerHost: number): void {
  if (!Number.isSafeInteger(maxPerHost) || maxPerHost < 0) throw invalidInput('maxPerHost must be an integer >= 0')
}

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max

export function auditEventOf(input: AppendAuditInput, now: string): Omit<AuditEvent, 'id'> {
  if (!isText(input.kind, 64) || !isText(input.actor, 128))
    throw invalidInput('an audit event needs a kind (<= 64) and an actor (<= 128)')
  assertId('tenantId', input.tenantId)
  if (input.hostId !== undefined && input.hostId !== null) assertId('hostId', input.hostId)
  if (input.ts !== undefined && Number.isNaN(Date.parse(input.ts)))
    throw invalidInput('audit ts must be an ISO-8601 time')
  const ts = input.ts === undefined ? now : isoOf(input.ts)
  const detail = input.detail ?? null
  return {
    tenantId: input.tenantId,
    hostId: input.hostId ?? null,
    ts,
    kind: input.kind,
    actor: input.actor,
    detail,
    class: auditClassOf(input.kind),
  }
}
