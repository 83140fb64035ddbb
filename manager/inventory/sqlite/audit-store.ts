import type Database from 'better-sqlite3'
import { atIndex } from '../sql/host-write-sql.ts'
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
import { auditFromRow, auditToRow, type AuditRow } from '../sql/rows.ts'

/**
 * The audit events of the SQLite Inventory: append, list (by tenant, host, class) and retention. Every method runs
 * inside the caller's transaction (SqliteInventory). Pruning deletes through the retention indexes (migrations 3, 10),
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
        throw atIndex(index, err)
      }
    })
  }

  list(tenantId: string, query: AuditQuery): AuditEvent[] {
    const params = auditListParams(tenantId, query)
    return (query.hostId === undefined ? this.#s.listTenant : this.#s.listHost).all(params).map(auditFromRow)
  }

  pruneOlderThan(auditClass: AuditClass, before: string, limit: number): number {
    assertClass(auditClass)
    assertPruneLimit(limit)
    return this.#s.deleteOlderThan.run({ class: auditClass, before: isoOf(before), limit }).changes
  }

  pruneOverCount({ maxPerHost, limit, hosts = DEFAULT_PRUNE_HOSTS, from }: AuditCountPrune): {
    deleted: number
    next: AuditPruneCursor | null
  } {
    assertPruneLimit(limit)
    assertMaxPerHost(maxPerHost)
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
  const sql = auditSql('audit_events INDEXED BY audit_of_host')
  return {
    insert: db.prepare(sql.insert),
    listTenant: db.prepare<unknown[], AuditRow>(sql.listTenant),
    listHost: db.prepare<unknown[], AuditRow>(sql.listHost),
    deleteOlderThan: db.prepare(sql.deleteOlderThan),
    firstHost: db.prepare<unknown[], AuditHostRow>(sql.firstHost),
    hostFrom: db.prepare<unknown[], AuditHostRow>(sql.hostFrom),
    hostAfter: db.prepare<unknown[], AuditHostRow>(sql.hostAfter),
    edgeOfHost: db.prepare<unknown[], { id: number }>(sql.edgeOfHost),
    deleteOfHost: db.prepare(sql.deleteOfHost),
  }
}
