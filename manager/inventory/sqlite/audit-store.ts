import type Database from 'better-sqlite3'
import { auditClassOf } from '../audit-class.ts'
import { pageSize } from '../cursor.ts'
import { InventoryError, invalidInput } from '../errors.ts'
import { assertId, isoOf } from '../host-patch.ts'
import type {
  AppendAuditInput,
  AuditClass,
  AuditCountPrune,
  AuditEvent,
  AuditPruneCursor,
  AuditQuery,
} from '../port.ts'
import { auditFromRow, auditToRow, type AuditRow } from '../sql/rows.ts'

const CLASSES = new Set<AuditClass>(['security', 'activity'])
const DEFAULT_PRUNE_HOSTS = 100

type HostRow = { tenant_id: string; host_id: string }

/**
 * The audit events of the SQLite Inventory: append, list (by tenant, host, class) and retention. Every method runs
 * inside the caller's transaction (SqliteInventory). Pruning deletes through the retention indexes (migration 3),
 * at most `limit` rows per call, so a write transaction stays short however large the table is.
 */
export class AuditStore {
  readonly #s: ReturnType<typeof prepare>

  constructor(db: Database.Database) {
    this.#s = prepare(db)
  }

  append(events: readonly AppendAuditInput[], now: string): AuditEvent[] {
    return events.map((input, index) => {
      try {
        const event = auditEventOf(input, now)
        return { id: Number(this.#s.insert.run(auditToRow(event)).lastInsertRowid), ...event }
      } catch (err) {
        throw err instanceof InventoryError ? err.at(index) : err
      }
    })
  }

  list(tenantId: string, query: AuditQuery): AuditEvent[] {
    const before = query.before ?? Number.MAX_SAFE_INTEGER
    if (!Number.isSafeInteger(before)) throw invalidInput('before must be an audit event id')
    if (query.class !== undefined && !CLASSES.has(query.class))
      throw invalidInput("class must be 'security' or 'activity'")
    const params = {
      tenant_id: tenantId,
      host_id: query.hostId ?? null,
      class: query.class ?? null,
      before,
      limit: pageSize(query.limit),
    }
    return (query.hostId === undefined ? this.#s.listTenant : this.#s.listHost).all(params).map(auditFromRow)
  }

  pruneOlderThan(auditClass: AuditClass, before: string, limit: number): number {
    if (!CLASSES.has(auditClass)) throw invalidInput("class must be 'security' or 'activity'")
    assertLimit(limit)
    return this.#s.deleteOlderThan.run({ class: auditClass, before: isoOf(before), limit }).changes
  }

  pruneOverCount({ maxPerHost, limit, hosts = DEFAULT_PRUNE_HOSTS, from }: AuditCountPrune): {
    deleted: number
    next: AuditPruneCursor | null
  } {
    assertLimit(limit)
    if (!Number.isSafeInteger(maxPerHost) || maxPerHost < 0) throw invalidInput('maxPerHost must be an integer >= 0')
    let host =
      from === undefined
        ? this.#s.firstHost.get()
        : this.#s.hostFrom.get({ tenant_id: from.tenantId, host_id: from.hostId })
    let deleted = 0
    for (let visited = 0; host !== undefined; visited++) {
      if (visited === hosts || deleted === limit)
        return { deleted, next: { tenantId: host.tenant_id, hostId: host.host_id } }
      const edge = this.#s.edgeOfHost.get({ ...host, max: maxPerHost })
      if (edge !== undefined) {
        deleted += this.#s.deleteOfHost.run({ ...host, edge: edge.id, limit: limit - deleted }).changes
        if (deleted === limit) return { deleted, next: { tenantId: host.tenant_id, hostId: host.host_id } }
      }
      host = this.#s.hostAfter.get(host)
    }
    return { deleted, next: null }
  }
}

function prepare(db: Database.Database) {
  const activity = "class = 'activity' AND host_id IS NOT NULL"
  // The planner prefers audit_by_class_ts here and sorts every activity row: one seek per host is the point.
  const byHost = 'audit_events INDEXED BY audit_activity_by_host'
  return {
    insert: db.prepare(
      'INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor, detail, class) VALUES (@tenant_id, @host_id, @ts, @kind, @actor, @detail, @class)',
    ),
    listTenant: db.prepare<unknown[], AuditRow>(
      'SELECT * FROM audit_events WHERE tenant_id = @tenant_id AND (@class IS NULL OR class = @class) AND id < @before ORDER BY id DESC LIMIT @limit',
    ),
    listHost: db.prepare<unknown[], AuditRow>(
      `SELECT * FROM audit_events WHERE tenant_id = @tenant_id AND host_id = @host_id AND (@class IS NULL OR class = @class) AND id < @before
       ORDER BY id DESC LIMIT @limit`,
    ),
    deleteOlderThan: db.prepare(
      'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE class = @class AND ts < @before ORDER BY class, ts LIMIT @limit)',
    ),
    // The hosts with activity events, one index seek each (audit_activity_by_host).
    firstHost: db.prepare<unknown[], HostRow>(
      `SELECT tenant_id, host_id FROM ${byHost} WHERE ${activity} ORDER BY tenant_id, host_id LIMIT 1`,
    ),
    hostFrom: db.prepare<unknown[], HostRow>(
      `SELECT tenant_id, host_id FROM ${byHost} WHERE ${activity} AND (tenant_id, host_id) >= (@tenant_id, @host_id) ORDER BY tenant_id, host_id LIMIT 1`,
    ),
    hostAfter: db.prepare<unknown[], HostRow>(
      `SELECT tenant_id, host_id FROM ${byHost} WHERE ${activity} AND (tenant_id, host_id) > (@tenant_id, @host_id) ORDER BY tenant_id, host_id LIMIT 1`,
    ),
    // The newest event beyond the ones kept: it and everything older go.
    edgeOfHost: db.prepare<unknown[], { id: number }>(
      `SELECT id FROM ${byHost} WHERE ${activity} AND tenant_id = @tenant_id AND host_id = @host_id ORDER BY id DESC LIMIT 1 OFFSET @max`,
    ),
    deleteOfHost: db.prepare(
      `DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events
       WHERE ${activity} AND tenant_id = @tenant_id AND host_id = @host_id AND id <= @edge ORDER BY id LIMIT @limit)`,
    ),
  }
}

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000)
    throw invalidInput('limit must be an integer 1..100000')
}

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max

function auditEventOf(input: AppendAuditInput, now: string): Omit<AuditEvent, 'id'> {
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
