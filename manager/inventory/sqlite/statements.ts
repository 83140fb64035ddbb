import type Database from 'better-sqlite3'
import type { CredentialRow, HostRow, TenantRow } from '../sql/rows.ts'
import { STATEMENT_SQL as SQL, type CountRow } from '../sql/statements-sql.ts'

/** Every fixed statement, prepared once per connection. Dynamic host SELECTs and UPDATEs: host-query.ts, host-store.ts; audit: audit-store.ts. */
export type Statements = ReturnType<typeof prepareStatements>

export function prepareStatements(db: Database.Database) {
  return {
    tenantInsert: db.prepare(SQL.tenantInsert),
    tenantGet: db.prepare<unknown[], TenantRow>(SQL.tenantGet),
    tenantList: db.prepare<unknown[], TenantRow>(SQL.tenantList),
    tenantUpdate: db.prepare(SQL.tenantUpdate),
    tenantDelete: db.prepare(SQL.tenantDelete),
    tenantHasHosts: db.prepare<unknown[], { found: number }>(SQL.tenantHasHosts),

    hostInsert: db.prepare(SQL.hostInsert),
    hostGet: db.prepare<unknown[], HostRow>(SQL.hostGet),
    hostDelete: db.prepare(SQL.hostDelete),
    hostCountAll: db.prepare<unknown[], CountRow>(SQL.hostCountAll),
    hostCountTenant: db.prepare<unknown[], CountRow>(SQL.hostCountTenant),

    credentialUpsert: db.prepare(SQL.credentialUpsert),
    credentialByUsername: db.prepare<unknown[], CredentialRow>(SQL.credentialByUsername),
    credentialRehash: db.prepare(SQL.credentialRehash),
    credentialDelete: db.prepare(SQL.credentialDelete),
  }
}
