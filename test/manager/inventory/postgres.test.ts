import test, { type ExecutionContext } from 'ava'
import pg from 'pg'
import { SecretValue } from '../../../lib/secret-value.ts'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { InventoryError } from '../../../manager/inventory/errors.ts'
import { INVENTORY_MIGRATIONS } from '../../../manager/inventory/postgres/migrations.ts'
import { auditSql } from '../../../manager/inventory/sql/audit-sql.ts'
import { HostSelectSql } from '../../../manager/inventory/sql/host-select-sql.ts'
import { POSTGRES_HOSTS } from '../../../manager/inventory/postgres/host-query.ts'
import { openPostgresInventory } from '../../../manager/inventory/postgres/open.ts'
import type { Host, Inventory } from '../../../manager/inventory/port.ts'
import { keyOf } from '../../conformance/inventory-support.ts'
import { conditionTwinTests } from '../../helpers/condition-twin.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { inventoryConformance } from '../../conformance/inventory.ts'
import { waitsOnLock } from '../../helpers/postgres-locks.ts'

const freshDatabase = usePostgres(test)

/** The Inventory on its own pool, which its close() ends too (in the manager, the pool is the wiring's). */
async function openOwning(url: string): Promise<Inventory> {
  const pool = await openPostgresPool({ url, poolSize: 4 })
  const inventory = await openPostgresInventory({ pool }).catch(async (err: unknown) => {
    await pool.end()
    throw err
  })
  let closing: Promise<void> | undefined
  return new Proxy(inventory, {
    get(target, property) {
      if (property === 'close') return () => (closing ??= target.close().then(() => pool.end()))
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value.bind(target) as unknown) : value
    },
  })
}

inventoryConformance('postgres', async () => openOwning(await freshDatabase('inventory')), {
  openShared: async () => {
    const url = await freshDatabase('shared')
    return [await openOwning(url), await openOwning(url)]
  },
})

conditionTwinTests(test, 'postgres', async () => openOwning(await freshDatabase('grid')))

/** A pool of the test's (ended in its teardown), for looking at the database beside the Inventory. */
function adminPool(t: ExecutionContext, url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  // an idle connection can hear the server's shutdown (57P01) after the file's last test: not an uncaught error
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  return pool
}

const inventoryVersion = async (pool: pg.Pool): Promise<number | undefined> =>
  (await pool.query<{ version: number }>("SELECT version FROM schema_migrations WHERE component = 'inventory'")).rows[0]
    ?.version

test('postgres: reopening keeps the data and re-running the migrations changes nothing', async (t) => {
  const url = await freshDatabase('reopen')
  const first = await openOwning(url)
  await first.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  const host = await first.updateHost(await first.createHost({ tenantId: 'acme', hostId: 'h1' }), {
    desiredState: 'PROVISIONED',
    capability: null,
    lastSeen: '2030-01-02T03:04:05.678Z',
  })
  await first.putCredential({ tenantId: 'acme', hostId: 'h1', username: 'dev-h1', passwordHash: 'scrypt$x' })
  await first.appendAudit([{ tenantId: 'acme', hostId: 'h1', kind: 'desired.set', actor: 'test', detail: { a: [1] } }])
  await first.close()
  for (let i = 0; i < 2; i++) {
    const again = await openOwning(url)
    t.deepEqual(await again.getHost({ tenantId: 'acme', hostId: 'h1' }), host)
    t.like(await again.getTenant('acme'), { passwordPolicy: 'static' })
    t.truthy(await again.getCredentialByUsername('dev-h1'))
    t.like(await again.listAudit('acme'), [{ kind: 'desired.set', detail: { a: [1] } }])
    await again.close()
  }
  t.is(await inventoryVersion(adminPool(t, url)), INVENTORY_MIGRATIONS.length)
})

test('postgres: a database from a newer release is refused with SCHEMA_TOO_NEW and left untouched', async (t) => {
  const url = await freshDatabase('newer')
  const inventory = await openOwning(url)
  await inventory.createTenant({ tenantId: 'acme' })
  await inventory.close()
  const admin = adminPool(t, url)
  const newer = INVENTORY_MIGRATIONS.length + 1
  await admin.query("UPDATE schema_migrations SET version = $1 WHERE component = 'inventory'", [newer])
  const err = await t.throwsAsync(openOwning(url), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_SCHEMA_TOO_NEW')
  t.regex(err?.message ?? '', new RegExp(`version ${newer} is newer .*\\(${newer - 1}\\)`))
  t.is(await inventoryVersion(admin), newer)
  t.deepEqual((await admin.query('SELECT tenant_id FROM tenants')).rows, [{ tenant_id: 'acme' }])
})

test('postgres: a failing migration step is rolled back whole: MIGRATION_FAILED, no version recorded', async (t) => {
  const url = await freshDatabase('clash')
  const admin = adminPool(t, url)
  await admin.query('CREATE TABLE hosts (x int)')
  const err = await t.throwsAsync(openOwning(url), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_MIGRATION_FAILED')
  t.regex(err?.message ?? '', /relation "hosts" already exists/)
  t.is(await inventoryVersion(admin), undefined)
  t.deepEqual((await admin.query("SELECT to_regclass('tenants') AS found")).rows, [{ found: null }])
})

test('postgres: a connection killed mid-write gives STORAGE_FAILED without the password, and the next call works', async (t) => {
  const url = await freshDatabase('killed')
  const password = new SecretValue('pg-secret-4711')
  const pool = await openPostgresPool({ url, password, poolSize: 2, applicationName: 'inventory-under-test' })
  t.teardown(() => pool.end())
  const inventory = await openPostgresInventory({ pool })
  const admin = adminPool(t, url)
  const locker = await admin.connect()
  t.teardown(() => locker.release())
  await locker.query('BEGIN; LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE')
  const blocked = inventory.createTenant({ tenantId: 'acme' })
  let pid: number | undefined
  await pollUntil(
    async () => {
      const waiting = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'inventory-under-test' AND wait_event_type = 'Lock'",
      )
      pid = waiting.rows[0]?.pid
      return pid !== undefined || 'no connection of the inventory waits on the lock yet'
    },
    "the inventory's write waiting on the table lock",
    30_000,
  )
  await admin.query('SELECT pg_terminate_backend($1)', [pid])
  const err = await t.throwsAsync(blocked, { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_STORAGE_FAILED')
  t.regex(err?.message ?? '', /terminat/i)
  t.false(err?.message.includes('pg-secret-4711'))
  await locker.query('ROLLBACK')
  await inventory.createTenant({ tenantId: 'acme' })
  t.deepEqual(
    (await inventory.listTenants()).map((tenant) => tenant.tenantId),
    ['acme'],
  )
})

test('postgres: an unreachable server is STORAGE_FAILED, naming no password', async (t) => {
  const pool = new pg.Pool({
    connectionString: 'postgresql://amt@/nowhere?host=/nonexistent-socket-dir',
    password: 'pg-secret-0815',
    connectionTimeoutMillis: 5000,
  })
  t.teardown(() => pool.end())
  const err = await t.throwsAsync(openPostgresInventory({ pool }), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_STORAGE_FAILED')
  t.false(err?.message.includes('pg-secret-0815'))
})

test('postgres: times round-trip exactly, the injected clock stamps them, close does not end the pool', async (t) => {
  const now = new Date('2030-01-02T03:04:05.678Z')
  const pool = await openPostgresPool({ url: await freshDatabase('clock') })
  t.teardown(() => pool.end())
  const inventory = await openPostgresInventory({ pool, now: () => now })
  await inventory.createTenant({ tenantId: 'acme' })
  const host = await inventory.updateHost(await inventory.createHost({ tenantId: 'acme', hostId: 'h1' }), {
    status: 'x',
    lastSeen: '2031-05-06T07:08:09.010Z',
  })
  t.like(await inventory.getHost(host), {
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    lastSeen: '2031-05-06T07:08:09.010Z',
    statusTimestamp: Math.floor(now.getTime() / 1000),
  })
  await inventory.close()
  t.deepEqual((await pool.query('SELECT count(*)::int AS hosts FROM hosts')).rows, [{ hosts: 1 }])
})

test('postgres: two stores locking hosts in opposite orders deadlock; the victim runs again and both writes land', async (t) => {
  const url = await freshDatabase('deadlock')
  const store = async (applicationName: string) => {
    const pool = await openPostgresPool({ url, applicationName })
    t.teardown(() => pool.end())
    return openPostgresInventory({ pool })
  }
  const [one, two] = [await store('store-one'), await store('store-two')]
  await one.createTenant({ tenantId: 'acme' })
  const [h1, h2] = await one.createHosts([
    { tenantId: 'acme', hostId: 'h1' },
    { tenantId: 'acme', hostId: 'h2' },
  ])
  const admin = adminPool(t, url)
  const waiting = (applicationName: string) => waitsOnLock(admin, applicationName)
  const locker = await admin.connect()
  t.teardown(() => locker.release())
  await locker.query("BEGIN; SELECT 1 FROM hosts WHERE host_id = 'h1' FOR UPDATE")
  const write = (inventory: Inventory, name: string, order: readonly Host[]) =>
    inventory.updateHosts(order.map((host) => ({ key: keyOf(host), patch: { name } })))
  const first = write(one, 'one', [h1!, h2!])
  await pollUntil(waiting('store-one'), 'store one waiting on h1', 30_000)
  const second = write(two, 'two', [h2!, h1!])
  await pollUntil(waiting('store-two'), 'store two holding h2 and waiting on h1', 30_000)
  await locker.query('ROLLBACK')
  const results = await Promise.allSettled([first, second])
  t.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'fulfilled'],
  )
  const stored = [await one.getHost(keyOf(h1!)), await one.getHost(keyOf(h2!))]
  t.deepEqual(
    stored.map((host) => host.version),
    [3, 3],
    'both writes on both hosts',
  )
  t.is(stored[0]!.name, stored[1]!.name, 'the victim, run again after the other committed, wrote last on both')
  await pollUntil(
    async () => {
      const { rows } = await admin.query<{ deadlocks: number }>(
        'SELECT deadlocks::int AS deadlocks FROM pg_stat_database WHERE datname = current_database()',
      )
      return (rows[0]?.deadlocks ?? 0) > 0 || 'no deadlock counted yet'
    },
    'the server to count the deadlock',
    30_000,
  )
})

test('postgres: step 6 leaves one per-host audit index; the trail, retention and the lists read along indexes', async (t) => {
  const url = await freshDatabase('audit_plans')
  await (await openOwning(url)).close()
  const admin = adminPool(t, url)
  const { rows: indexes } = await admin.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'audit_events' ORDER BY indexname",
  )
  t.deepEqual(
    indexes.map((index) => index.name),
    ['audit_by_class', 'audit_by_class_ts', 'audit_by_tenant', 'audit_events_pkey', 'audit_of_host'],
  )
  // 100 hosts of three tenants (~330 events each), every eleventh event a security one, every 97th without a host.
  await admin.query(`INSERT INTO audit_events (tenant_id, host_id, ts, kind, actor, class)
    SELECT 't' || (g % 3), CASE WHEN g % 97 = 0 THEN NULL ELSE 'h' || (g % 100) END,
           to_char(timestamp '2026-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           CASE WHEN g % 11 = 0 THEN 'desired.set' ELSE 'state' END, 'x',
           CASE WHEN g % 11 = 0 THEN 'security' ELSE 'activity' END
    FROM generate_series(1, 100000) g`)
  await admin.query('VACUUM ANALYZE audit_events')
  const params: Record<string, string | number> = {
    tenant_id: 't1',
    host_id: 'h3',
    before: 1e12,
    limit: 50,
    max: 20,
    edge: 5000,
  }
  // The statements of manager/inventory/postgres/audit-store.ts with their parameters as literals (a custom plan).
  const plan = async (statement: string, values: Record<string, string | number | null>) => {
    const text = statement.replace(/@(\w+)/g, (_, name: string) => {
      const value = values[name] ?? null
      return value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value}'`
    })
    const { rows } = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`)
    return rows.map((row) => row['QUERY PLAN']).join('\n')
  }
  const sql = auditSql('audit_events')
  // Along the index, whatever the planner makes of the rows (a few: through a bitmap; many: an index-only scan).
  const alongIt = /(Index|Index Only|Bitmap Index) Scan( Backward)? (using|on) audit_of_host/
  for (const auditClass of [null, 'activity', 'security']) {
    const listHost = await plan(sql.listHost, { ...params, class: auditClass })
    t.regex(listHost, alongIt, `listHost, class ${auditClass}`)
    t.notRegex(listHost, /Seq Scan/)
  }
  for (const name of ['firstHost', 'hostFrom', 'hostAfter', 'edgeOfHost', 'deleteOfHost'] as const) {
    const retention = await plan(sql[name], params)
    t.regex(retention, alongIt, name)
    t.notRegex(retention, /Seq Scan|audit_by_class /, name)
  }
  t.regex(
    await plan(sql.deleteOlderThan, { class: 'activity', before: '2026-01-01T01:00:00.000Z', limit: 500 }),
    /Index Scan using audit_by_class_ts/,
  )
  // A tenant's list: newest first along an index, never a sort. With a class, PostgreSQL plans with the value and may
  // read audit_by_class (a rare class, docs/inventory.md), which SQLite never reads (its migration 11 drops it).
  for (const auditClass of [null, 'activity', 'security']) {
    const listTenant = await plan(sql.listTenant, { ...params, class: auditClass })
    t.regex(
      listTenant,
      /Index Scan Backward using (audit_events_pkey|audit_by_tenant|audit_by_class) /,
      `${auditClass}`,
    )
    t.notRegex(listTenant, /Seq Scan|Sort/, `${auditClass}`)
  }
})

test('postgres: step 7: the hosts whose rotation is pending are read from its partial index alone, never the table', async (t) => {
  const url = await freshDatabase('rotation_plans')
  const inventory = await openOwning(url)
  for (const tenantId of ['a', 'b']) await inventory.createTenant({ tenantId })
  const ids = Array.from({ length: 6000 }, (_, i) => ({
    tenantId: i % 3 ? 'a' : 'b',
    hostId: `h${String(i).padStart(5, '0')}`,
  }))
  await inventory.createHosts(ids)
  await inventory.close()
  const admin = adminPool(t, url)
  // One host in 1000 with a pending rotation, one in 10 with a settled one.
  await admin.query(`UPDATE hosts SET rotation = CASE WHEN substr(host_id, 2)::int % 1000 = 7
    THEN '{"state":"pending"}'::jsonb ELSE '{"state":"confirmed"}'::jsonb END
    WHERE substr(host_id, 2)::int % 1000 = 7 OR substr(host_id, 2)::int % 10 = 0`)
  await admin.query('VACUUM ANALYZE hosts')
  const hostSql = new HostSelectSql(POSTGRES_HOSTS)
  const statements = {
    all: hostSql.page({ rotationPending: true, limit: 1000 }).statement,
    tenant: hostSql.page({ rotationPending: true, tenantId: 'a', limit: 1000 }).statement,
    count: hostSql.count({ rotationPending: true, tenantId: 'a' }),
  }
  for (const [name, { sql, params }] of Object.entries(statements)) {
    // The parameters as literals (a custom plan), as the audit plans above.
    const text = sql.replace(/@(\w+)/g, (_, key: string) => {
      const value = params[key]
      return typeof value === 'number' ? String(value) : `'${String(value)}'`
    })
    const { rows } = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`)
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n')
    // Only the index's rows are read; with its default estimate for the predicate (~30 rows) the planner may sort
    // those few instead of walking the index in order.
    t.regex(plan, /(Index|Index Only|Bitmap Index) Scan (using|on) hosts_rotation_pending/, `${name}:\n${plan}`)
    t.notRegex(plan, /Seq Scan/, name)
  }
})
