import test from 'ava'
import Database from 'better-sqlite3'
import { InventoryError } from '../../../manager/inventory/errors.ts'
import { auditSql } from '../../../manager/inventory/sql/audit-sql.ts'
import { HostSelectSql } from '../../../manager/inventory/sql/host-select-sql.ts'
import { SQLITE_HOSTS } from '../../../manager/inventory/sqlite/host-query.ts'
import { MIGRATIONS, migrate, schemaVersion, type Migration } from '../../../manager/inventory/sqlite/migrations.ts'

const one: Migration = { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER) STRICT;' }
const two: Migration = { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER) STRICT; INSERT INTO a VALUES (1);' }
const broken: Migration = {
  version: 2,
  name: 'broken',
  sql: 'CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);',
}

function memoryDb(t: { teardown(fn: () => void): void }): Database.Database {
  const db = new Database(':memory:')
  t.teardown(() => db.close())
  return db
}

/** SQLite's query plan of a statement, its steps joined. */
const planOf = (db: Database.Database, sql: string, params: object = {}): string =>
  db
    .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(params)
    .map((row) => row.detail)
    .join('; ')

const tables = (db: Database.Database) =>
  db
    .prepare<unknown[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name)

/** Tenant `acme` and a PROVISIONED host `h1` written with the columns every schema version has. */
function insertOldHost(
  db: Database.Database,
  host: { desiredState: string; power: [desired: string, current: string, indicator: string]; version: number },
): void {
  const now = new Date().toISOString()
  db.prepare('INSERT INTO tenants (tenant_id, name, created_at) VALUES (?, ?, ?)').run('acme', 'Acme', now)
  db.prepare(
    `INSERT INTO hosts (tenant_id, host_id, name, desired_state, current_state, sku, status_indicator, status_timestamp,
       desired_power_state, current_power_state, power_status_indicator, power_status_timestamp, version, created_at, updated_at)
     VALUES ('acme', 'h1', 'h1', ?, 'PROVISIONED', 'AMT', 'IDLE', 0, ?, ?, ?, 0, ?, ?, ?)`,
  ).run(host.desiredState, ...host.power, host.version, now, now)
}

test('migrate applies only the steps newer than user_version, once', (t) => {
  const db = memoryDb(t)
  t.is(migrate(db, [one]), 1)
  t.is(migrate(db, [one, two]), 2)
  t.is(migrate(db, [one, two]), 2)
  t.deepEqual(tables(db), ['a', 'b'])
  t.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 1 }], 'step 2 ran exactly once')
})

test('a failing step is rolled back whole and leaves the previous version', (t) => {
  const db = memoryDb(t)
  migrate(db, [one])
  const err = t.throws(() => migrate(db, [one, broken]), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_MIGRATION_FAILED')
  t.regex(err?.message ?? '', /migration 2 \(broken\) failed: no such table: nowhere/)
  t.is(schemaVersion(db), 1)
  t.deepEqual(tables(db), ['a'])
})

test('a database newer than the known steps is refused before any change', (t) => {
  const db = memoryDb(t)
  migrate(db, [one, two])
  const err = t.throws(() => migrate(db, [one]), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_SCHEMA_TOO_NEW')
  t.is(schemaVersion(db), 2)
})

test('migration numbers must be 1..n without gaps', (t) => {
  const db = memoryDb(t)
  t.throws(() => migrate(db, [one, { ...two, version: 3 }]), { message: /expected 2/ })
  t.is(schemaVersion(db), 0)
})

test('the shipped migrations are numbered 1..n and build the expected tables', (t) => {
  t.deepEqual(
    MIGRATIONS.map((step) => step.version),
    MIGRATIONS.map((_, i) => i + 1),
  )
  const db = memoryDb(t)
  migrate(db)
  t.deepEqual(tables(db), [
    'audit_events',
    'device_credentials',
    'host_groups',
    'hosts',
    'sqlite_sequence',
    'tenant_acm_certificates',
    'tenants',
  ])
})

test('migration 2 keeps every host of a version-1 database and adds local_deactivation = 0 (only through RPS)', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 1))
  insertOldHost(db, { desiredState: 'UNPROVISIONED', power: ['UNSPECIFIED', 'UNSPECIFIED', 'UNSPECIFIED'], version: 3 })
  t.is(migrate(db), MIGRATIONS.length)
  t.deepEqual(db.prepare('SELECT host_id, version, local_deactivation FROM hosts').all(), [
    { host_id: 'h1', version: 3, local_deactivation: 0 },
  ])
  t.throws(() => db.prepare("UPDATE hosts SET local_deactivation = 2 WHERE host_id = 'h1'").run(), {
    any: true,
    code: 'SQLITE_CONSTRAINT_CHECK',
  })
})

test('migration 3 classes the audit events stored before it; retention queries use its indexes', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 2))
  const insert = db.prepare(
    "INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor) VALUES ('a', 'h', '2025-01-01T00:00:00.000Z', ?, 'x')",
  )
  for (const kind of [
    'password.read',
    'agent.rpc.started',
    'credential.rotated',
    'state',
    'host.deleted',
    'amt.domain.set',
  ])
    insert.run(kind)
  migrate(db, MIGRATIONS.slice(0, 3))
  const classes = db
    .prepare<unknown[], { kind: string; class: string }>('SELECT kind, class FROM audit_events ORDER BY id')
    .all()
  t.deepEqual(
    classes.map((row) => row.class),
    ['security', 'activity', 'security', 'activity', 'security', 'security'],
  )
  const plan = (sql: string) => planOf(db, sql)
  t.regex(
    plan("SELECT id FROM audit_events WHERE class = 'activity' AND ts < 'x' ORDER BY class, ts LIMIT 5"),
    /USING (COVERING )?INDEX audit_by_class_ts/,
  )
  const activity = "class = 'activity' AND host_id IS NOT NULL"
  // The statements of manager/inventory/sqlite/audit-store.ts name the index (the planner alone sorts every row).
  t.regex(
    plan(
      `SELECT id FROM audit_events WHERE ${activity} AND tenant_id = 'a' AND host_id = 'h' ORDER BY id DESC LIMIT 1 OFFSET 9`,
    ),
    /audit_activity_by_host/,
  )
  const next = plan(
    `SELECT tenant_id, host_id FROM audit_events INDEXED BY audit_activity_by_host WHERE ${activity} AND (tenant_id, host_id) > ('a', 'h') ORDER BY tenant_id, host_id LIMIT 1`,
  )
  t.regex(next, /SEARCH audit_events USING (COVERING )?INDEX audit_activity_by_host \(/)
  t.notRegex(next, /TEMP B-TREE/)
})

test('migration 4 keeps a host read by the old code (an action stored as its state) and marks its power state never read', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 3))
  insertOldHost(db, { desiredState: 'PROVISIONED', power: ['RESET', 'RESET', 'IDLE'], version: 5 })
  t.is(migrate(db, MIGRATIONS.slice(0, 4)), 4)
  t.deepEqual(db.prepare('SELECT current_power_state, power_state_read_at FROM hosts').all(), [
    { current_power_state: 'RESET', power_state_read_at: null },
  ])
})

test('migration 5: the console sorts by name and filters by sku and presence along an index, counting in it', (t) => {
  const db = memoryDb(t)
  t.is(migrate(db), MIGRATIONS.length)
  const plan = (sql: string) => planOf(db, sql)
  // The statements manager/inventory/sqlite/host-query.ts builds for these (first page, next page, total).
  const byName = plan(
    "SELECT *, name AS sort_value FROM hosts WHERE tenant_id = 'a' AND (name, host_id) < ('n', 'h') " +
      'ORDER BY sort_value DESC, tenant_id DESC, host_id DESC LIMIT 51',
  )
  t.regex(byName, /USING INDEX hosts_by_tenant_name \(tenant_id=\? AND \(name,host_id\)<\(\?,\?\)\)/)
  t.notRegex(byName, /TEMP B-TREE/)
  for (const [filter, index] of [
    ["sku = 'ISM'", 'hosts_by_sku'],
    ['online = 0', 'hosts_by_online'],
  ]) {
    const page = plan(`SELECT * FROM hosts WHERE tenant_id = 'a' AND ${filter} ORDER BY tenant_id, host_id LIMIT 51`)
    t.regex(page, new RegExp(`USING INDEX ${index}`))
    t.notRegex(page, /TEMP B-TREE/)
    t.regex(
      plan(`SELECT count(*) FROM hosts WHERE tenant_id = 'a' AND ${filter}`),
      new RegExp(`COVERING INDEX ${index}`),
    )
  }
})

test('migration 6 gives a host of the older schema no labels and no policy override', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 5))
  insertOldHost(db, { desiredState: 'PROVISIONED', power: ['ON', 'ON', 'IDLE'], version: 2 })
  t.is(migrate(db, MIGRATIONS.slice(0, 6)), 6)
  t.deepEqual(db.prepare('SELECT labels, policy_override FROM hosts').all(), [{ labels: '{}', policy_override: null }])
})

test('migration 10: one per-host audit index; the trail and retention read along it, retention from the index alone', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 9))
  const insert = db.prepare(
    "INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor, class) VALUES ('a', ?, '2026-01-01T00:00:00.000Z', ?, 'x', ?)",
  )
  for (let i = 0; i < 40; i++) insert.run(`h${i % 4}`, i % 5 ? 'state' : 'desired.set', i % 5 ? 'activity' : 'security')
  const indexes = () =>
    db
      .prepare<unknown[], { name: string }>(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL ORDER BY name",
      )
      .all()
      .map((row) => row.name)
  t.deepEqual(indexes(), [
    'audit_activity_by_host',
    'audit_by_class',
    'audit_by_class_ts',
    'audit_by_host',
    'audit_by_tenant',
  ])
  t.is(migrate(db, MIGRATIONS.slice(0, 10)), 10)
  t.deepEqual(indexes(), ['audit_by_class', 'audit_by_class_ts', 'audit_by_tenant', 'audit_of_host'])
  t.is(db.prepare<unknown[], { n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n, 40)
  // The statements of manager/inventory/sqlite/audit-store.ts (INDEXED BY fails to prepare if the index cannot serve).
  const sql = auditSql('audit_events INDEXED BY audit_of_host')
  const params = { tenant_id: 'a', host_id: 'h1', class: null, before: 1e9, limit: 5, max: 3, edge: 9 }
  const plans = Object.fromEntries(
    Object.entries(sql)
      .filter(([name]) => name !== 'insert')
      .map(([name, text]) => [name, planOf(db, text, params)]),
  )
  t.regex(
    plans['listHost'] ?? '',
    /SEARCH audit_events USING INDEX audit_of_host \(tenant_id=\? AND host_id=\? AND id<\?\)/,
  )
  for (const name of ['firstHost', 'hostFrom', 'hostAfter', 'edgeOfHost', 'deleteOfHost'])
    t.regex(plans[name] ?? '', /USING COVERING INDEX audit_of_host/, name)
  t.regex(plans['deleteOlderThan'] ?? '', /COVERING INDEX audit_by_class_ts/)
  t.regex(plans['listTenant'] ?? '', /SEARCH audit_events USING (INTEGER PRIMARY KEY|INDEX audit_by_tenant)/)
  for (const [name, plan] of Object.entries(plans)) t.notRegex(plan, /TEMP B-TREE|^SCAN audit_events$/, name)
})

test('migration 11: audit_by_class goes; no audit statement read it, the tenant list still reads along an index', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 10))
  const insert = db.prepare(
    "INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor, class) VALUES (?, ?, '2026-01-01T00:00:00.000Z', ?, 'x', ?)",
  )
  // A large tenant, a small one and a tiny one; one event in 50 a security one, one in 97 without a host.
  db.transaction(() => {
    for (let i = 0; i < 6000; i++) {
      const tenant = i % 3000 === 7 ? 'tiny' : i % 33 === 0 ? 'small' : 'big'
      const security = i % 50 === 0
      insert.run(
        tenant,
        i % 97 ? `h${i % 200}` : null,
        security ? 'desired.set' : 'state',
        security ? 'security' : 'activity',
      )
    }
  })()
  const sql = auditSql('audit_events INDEXED BY audit_of_host')
  const plans = (statements: readonly (keyof typeof sql)[]) =>
    statements.flatMap((name) =>
      ['big', 'small', 'tiny'].flatMap((tenant) =>
        [null, 'security', 'activity'].map((auditClass) => {
          const params = {
            tenant_id: tenant,
            host_id: 'h3',
            class: auditClass,
            before: 1e9,
            limit: 50,
            max: 3,
            edge: 9,
          }
          return { name: `${name} ${tenant} ${auditClass}`, plan: planOf(db, sql[name], params) }
        }),
      ),
    )
  const reads = (Object.keys(sql) as (keyof typeof sql)[]).filter((name) => name !== 'insert')
  for (const analyzed of [false, true]) {
    if (analyzed) db.exec('ANALYZE')
    for (const { name, plan } of plans(reads)) t.notRegex(plan, /audit_by_class\b/, `${name}, analyzed ${analyzed}`)
  }
  t.is(migrate(db), MIGRATIONS.length)
  const indexes = db
    .prepare<unknown[], { name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL ORDER BY name",
    )
    .all()
    .map((row) => row.name)
  t.deepEqual(indexes, ['audit_by_class_ts', 'audit_by_tenant', 'audit_of_host'])
  for (const { name, plan } of plans(['listTenant'])) {
    t.regex(plan, /^SEARCH audit_events USING (INTEGER PRIMARY KEY|INDEX audit_by_tenant)/, name)
    t.notRegex(plan, /TEMP B-TREE/, name)
  }
  t.is(db.prepare<unknown[], { n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n, 6000)
})

test('migration 12: the hosts whose rotation is pending are listed along its partial index, in key order', (t) => {
  const db = memoryDb(t)
  migrate(db, MIGRATIONS.slice(0, 11))
  const now = new Date().toISOString()
  db.prepare("INSERT INTO tenants (tenant_id, name, created_at) VALUES ('a', 'a', ?), ('b', 'b', ?)").run(now, now)
  // 6000 hosts of two tenants; one in 1000 with a pending rotation, one in 10 with a settled one.
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 5999)
     INSERT INTO hosts (tenant_id, host_id, name, desired_state, current_state, sku, status_indicator, status_timestamp,
       desired_power_state, current_power_state, power_status_indicator, power_status_timestamp, version, created_at,
       updated_at, rotation)
     SELECT CASE WHEN i % 3 = 0 THEN 'b' ELSE 'a' END, printf('h%05d', i), printf('h%05d', i), 'PROVISIONED',
       'PROVISIONED', 'AMT', 'IDLE', 0, 'ON', 'ON', 'IDLE', 0, 1, ?, ?,
       CASE WHEN i % 1000 = 7 THEN '{"state":"pending"}' WHEN i % 10 = 0 THEN '{"state":"confirmed"}' END
     FROM n`,
  ).run(now, now)
  t.is(migrate(db), MIGRATIONS.length)
  const hostSql = new HostSelectSql(SQLITE_HOSTS)
  const statements = {
    all: hostSql.page({ rotationPending: true, limit: 1000 }).statement,
    tenant: hostSql.page({ rotationPending: true, tenantId: 'a', limit: 1000 }).statement,
    count: hostSql.count({ rotationPending: true, tenantId: 'a' }),
  }
  for (const analyzed of [false, true]) {
    if (analyzed) db.exec('ANALYZE')
    for (const [name, { sql, params }] of Object.entries(statements)) {
      const plan = planOf(db, sql, params)
      t.regex(plan, /USING (COVERING )?INDEX hosts_rotation_pending\b/, `${name}, analyzed ${analyzed}: ${plan}`)
      t.notRegex(plan, /TEMP B-TREE/, `${name}, analyzed ${analyzed}`)
    }
  }
  const listed = db.prepare(statements.all.sql).all(statements.all.params) as { host_id: string }[]
  // By (tenant_id, host_id): a's four (i % 3 ≠ 0), then b's two.
  t.deepEqual(
    listed.map((row) => row.host_id),
    ['h00007', 'h01007', 'h03007', 'h04007', 'h02007', 'h05007'],
  )
})
