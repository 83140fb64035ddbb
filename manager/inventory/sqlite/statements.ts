import type Database from 'better-sqlite3'
import { HOST_COLUMNS, type CredentialRow, type HostRow, type TenantRow } from '../sql/rows.ts'

/** Every fixed statement, prepared once per connection. Dynamic host SELECTs and UPDATEs: host-query.ts, host-store.ts; audit: audit-store.ts. */
export type Statements = ReturnType<typeof prepareStatements>

interface CountRow {
  desired_state: string
  current_state: string
  status_indicator: string
  phase: string | null
  count: number
}

const hostValues = HOST_COLUMNS.map((column) => `@${column}`).join(', ')
const countColumns = 'desired_state, current_state, status_indicator, phase'

export function prepareStatements(db: Database.Database) {
  return {
    tenantInsert: db.prepare(
      'INSERT INTO tenants (tenant_id, name, password_policy, created_at) VALUES (@tenant_id, @name, @password_policy, @created_at)',
    ),
    tenantGet: db.prepare<unknown[], TenantRow>('SELECT * FROM tenants WHERE tenant_id = ?'),
    tenantList: db.prepare<unknown[], TenantRow>('SELECT * FROM tenants ORDER BY tenant_id'),
    tenantUpdate: db.prepare(
      'UPDATE tenants SET name = @name, password_policy = @password_policy WHERE tenant_id = @tenant_id',
    ),
    tenantDelete: db.prepare('DELETE FROM tenants WHERE tenant_id = ?'),
    tenantHasHosts: db.prepare<unknown[], { found: number }>(
      'SELECT 1 AS found FROM hosts WHERE tenant_id = ? LIMIT 1',
    ),

    hostInsert: db.prepare(`INSERT INTO hosts (${HOST_COLUMNS.join(', ')}) VALUES (${hostValues})`),
    hostGet: db.prepare<unknown[], HostRow>('SELECT * FROM hosts WHERE tenant_id = ? AND host_id = ?'),
    hostDelete: db.prepare('DELETE FROM hosts WHERE tenant_id = ? AND host_id = ?'),
    hostCountAll: db.prepare<unknown[], CountRow>(
      `SELECT ${countColumns}, count(*) AS count FROM hosts GROUP BY ${countColumns} ORDER BY ${countColumns}`,
    ),
    hostCountTenant: db.prepare<unknown[], CountRow>(
      `SELECT ${countColumns}, count(*) AS count FROM hosts WHERE tenant_id = ? GROUP BY ${countColumns} ORDER BY ${countColumns}`,
    ),

    credentialUpsert: db.prepare(
      `INSERT INTO device_credentials (tenant_id, host_id, username, password_hash, created_at)
       VALUES (@tenant_id, @host_id, @username, @password_hash, @created_at)
       ON CONFLICT (tenant_id, host_id) DO UPDATE SET
         username = excluded.username, password_hash = excluded.password_hash, created_at = excluded.created_at`,
    ),
    credentialByUsername: db.prepare<unknown[], CredentialRow>('SELECT * FROM device_credentials WHERE username = ?'),
    credentialDelete: db.prepare('DELETE FROM device_credentials WHERE tenant_id = ? AND host_id = ?'),
  }
}
