import { HOST_COLUMNS } from './rows.ts'

const hostValues = HOST_COLUMNS.map((column) => `@${column}`).join(', ')
const countColumns = 'desired_state, current_state, status_indicator, phase'

/**
 * The fixed statements of tenants, hosts and credentials, the same SQL for every engine: named parameters
 * (`@name`) or positional ones (`?`), which SQLite binds as they are and PostgreSQL numbers (postgres/sql.ts).
 * Dynamic host SELECTs: host-select-sql.ts.
 */
export const STATEMENT_SQL = {
  tenantInsert:
    'INSERT INTO tenants (tenant_id, name, password_policy, created_at) VALUES (@tenant_id, @name, @password_policy, @created_at)',
  tenantGet: 'SELECT * FROM tenants WHERE tenant_id = ?',
  tenantList: 'SELECT * FROM tenants ORDER BY tenant_id',
  tenantUpdate: 'UPDATE tenants SET name = @name, password_policy = @password_policy WHERE tenant_id = @tenant_id',
  tenantDelete: 'DELETE FROM tenants WHERE tenant_id = ?',
  tenantHasHosts: 'SELECT 1 AS found FROM hosts WHERE tenant_id = ? LIMIT 1',

  hostInsert: `INSERT INTO hosts (${HOST_COLUMNS.join(', ')}) VALUES (${hostValues})`,
  hostGet: 'SELECT * FROM hosts WHERE tenant_id = ? AND host_id = ?',
  hostDelete: 'DELETE FROM hosts WHERE tenant_id = ? AND host_id = ?',
  hostCountAll: `SELECT ${countColumns}, count(*) AS count FROM hosts GROUP BY ${countColumns} ORDER BY ${countColumns}`,
  hostCountTenant: `SELECT ${countColumns}, count(*) AS count FROM hosts WHERE tenant_id = ? GROUP BY ${countColumns} ORDER BY ${countColumns}`,

  credentialUpsert: `INSERT INTO device_credentials (tenant_id, host_id, username, password_hash, created_at)
       VALUES (@tenant_id, @host_id, @username, @password_hash, @created_at)
       ON CONFLICT (tenant_id, host_id) DO UPDATE SET
         username = excluded.username, password_hash = excluded.password_hash, created_at = excluded.created_at`,
  credentialByUsername: 'SELECT * FROM device_credentials WHERE username = ?',
  credentialRehash: 'UPDATE device_credentials SET password_hash = ? WHERE username = ? AND password_hash = ?',
  credentialDelete: 'DELETE FROM device_credentials WHERE tenant_id = ? AND host_id = ?',
} as const

/** A row of hostCountAll / hostCountTenant. */
export interface CountRow {
  desired_state: string
  current_state: string
  status_indicator: string
  phase: string | null
  count: number
}
