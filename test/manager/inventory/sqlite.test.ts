import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import { InventoryError } from '../../../manager/inventory/errors.ts'
import { MIGRATIONS } from '../../../manager/inventory/sqlite/migrations.ts'
import { DEFAULT_FILE_NAME, IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { inventoryConformance } from '../../conformance/inventory.ts'

const root = mkdtempSync(path.join(tmpdir(), 'inventory-test-'))
test.after.always(() => rmSync(root, { recursive: true, force: true }))

let made = 0
const freshDir = () => path.join(root, `db-${++made}`)

inventoryConformance('sqlite file', () => openSqliteInventory({ dataDir: freshDir() }), {
  openShared: async () => {
    const dataDir = freshDir()
    return [await openSqliteInventory({ dataDir }), await openSqliteInventory({ dataDir })]
  },
})
inventoryConformance('sqlite memory', () => openSqliteInventory({ dataDir: IN_MEMORY }))

const latest = MIGRATIONS.length

function rawPragma(dataDir: string, pragma: string): unknown {
  const db = new Database(path.join(dataDir, DEFAULT_FILE_NAME))
  try {
    return db.pragma(pragma, { simple: true })
  } finally {
    db.close()
  }
}

test('sqlite: creates the data directory and a WAL database at the latest schema version', async (t) => {
  const dataDir = path.join(freshDir(), 'nested', 'data')
  const inventory = await openSqliteInventory({ dataDir })
  await inventory.close()
  t.is(rawPragma(dataDir, 'journal_mode'), 'wal')
  for (const suffix of ['', '-wal', '-shm']) {
    const file = path.join(dataDir, DEFAULT_FILE_NAME + suffix)
    if (existsSync(file)) t.is(statSync(file).mode & 0o777, 0o600, `${file} is owner-only`)
  }
  t.is(statSync(dataDir).mode & 0o777, 0o700)
  t.is(rawPragma(dataDir, 'user_version'), latest)
})

test('sqlite: reopening the file keeps the data and re-running migrations changes nothing', async (t) => {
  const dataDir = freshDir()
  const first = await openSqliteInventory({ dataDir })
  await first.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  const host = await first.updateHost(await first.createHost({ tenantId: 'acme', hostId: 'h1' }), {
    desiredState: 'PROVISIONED',
  })
  await first.putCredential({ tenantId: 'acme', hostId: 'h1', username: 'dev-h1', passwordHash: 'scrypt$x' })
  await first.appendAudit([{ tenantId: 'acme', hostId: 'h1', kind: 'desired.set', actor: 'test' }])
  await first.close()
  for (let i = 0; i < 2; i++) {
    const again = await openSqliteInventory({ dataDir })
    t.deepEqual(await again.getHost({ tenantId: 'acme', hostId: 'h1' }), host)
    t.like(await again.getTenant('acme'), { passwordPolicy: 'static' })
    t.truthy(await again.getCredentialByUsername('dev-h1'))
    t.is((await again.listAudit('acme')).length, 1)
    await again.close()
  }
  t.is(rawPragma(dataDir, 'user_version'), latest)
})

test('sqlite: a database from a newer release is refused with SCHEMA_TOO_NEW and left untouched', async (t) => {
  const dataDir = freshDir()
  const inventory = await openSqliteInventory({ dataDir })
  await inventory.createTenant({ tenantId: 'acme' })
  await inventory.close()
  rawPragma(dataDir, `user_version = ${latest + 1}`)
  const err = await t.throwsAsync(openSqliteInventory({ dataDir }), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_SCHEMA_TOO_NEW')
  t.regex(err?.message ?? '', new RegExp(`schema version ${latest + 1}.*\\(${latest}\\)`))
  t.is(rawPragma(dataDir, 'user_version'), latest + 1)
  const db = new Database(path.join(dataDir, DEFAULT_FILE_NAME), { readonly: true })
  t.teardown(() => db.close())
  t.deepEqual(db.prepare('SELECT tenant_id FROM tenants').all(), [{ tenant_id: 'acme' }])
})

test('sqlite: two connections on one file see each other and keep version checks', async (t) => {
  const dataDir = freshDir()
  const one = await openSqliteInventory({ dataDir })
  const two = await openSqliteInventory({ dataDir })
  t.teardown(async () => {
    await one.close()
    await two.close()
  })
  await one.createTenant({ tenantId: 'acme' })
  const host = await two.createHost({ tenantId: 'acme', hostId: 'h1' })
  await one.updateHost(host, { name: 'by one' }, { expectedVersion: 1 })
  const err = await t.throwsAsync(two.updateHost(host, { name: 'by two' }, { expectedVersion: 1 }), {
    instanceOf: InventoryError,
  })
  t.is(err?.code, 'INVENTORY_VERSION_CONFLICT')
  t.is((await two.getHost(host)).name, 'by one')
})

test('sqlite: a write lock held past the busy timeout gives STORAGE_FAILED, and the next write succeeds', async (t) => {
  const dataDir = freshDir()
  const inventory = await openSqliteInventory({ dataDir, busyTimeoutMs: 50 })
  t.teardown(() => inventory.close())
  const other = new Database(path.join(dataDir, DEFAULT_FILE_NAME))
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const err = await t.throwsAsync(inventory.createTenant({ tenantId: 'acme' }), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_STORAGE_FAILED')
  t.regex(err?.message ?? '', /locked|busy/i)
  t.deepEqual(await inventory.listTenants(), [], 'readers are not blocked by the writer (WAL)')
  other.exec('ROLLBACK')
  await inventory.createTenant({ tenantId: 'acme' })
  t.is((await inventory.listTenants()).length, 1)
})

test('sqlite: the WAL is checkpointed at walAutocheckpointPages (default 1000 pages, as SQLite)', async (t) => {
  const PAGE = 4096
  /** The -wal file's size in pages after `writes` transactions of one host update each, the inventory still open. */
  const walPagesAfter = async (writes: number, walAutocheckpointPages?: number): Promise<number> => {
    const dataDir = freshDir()
    const inventory = await openSqliteInventory({ dataDir, walAutocheckpointPages })
    try {
      await inventory.createTenant({ tenantId: 'acme' })
      let host = await inventory.createHost({ tenantId: 'acme', hostId: 'h1' })
      for (let i = 0; i < writes; i++) host = await inventory.updateHost(host, { name: `n${i}` })
      return statSync(path.join(dataDir, `${DEFAULT_FILE_NAME}-wal`)).size / PAGE
    } finally {
      await inventory.close()
    }
  }
  // Each write appends at least its table page and its index page (hosts_by_tenant_name) to the WAL.
  const byDefault = await walPagesAfter(1500)
  t.true(byDefault > 900 && byDefault < 1200, `default: ${byDefault} pages, checkpointed near 1000`)
  const large = await walPagesAfter(1500, 10_000)
  t.true(large > 2000 && large < 10_000, `10 000 pages: ${large} pages, past 1000 without a checkpoint`)
  const small = await walPagesAfter(1500, 100)
  t.true(small < 200, `100 pages: ${small} pages, checkpointed and started over`)
  await t.throwsAsync(openSqliteInventory({ dataDir: freshDir(), walAutocheckpointPages: 0 }), {
    message: /walAutocheckpointPages must be an integer >= 1/,
  })
})

test('sqlite: an unusable data directory is a clear STORAGE_FAILED', async (t) => {
  const dataDir = freshDir()
  const inventory = await openSqliteInventory({ dataDir, fileName: 'x.sqlite' })
  await inventory.close()
  const file = path.join(dataDir, 'x.sqlite')
  const err = await t.throwsAsync(openSqliteInventory({ dataDir: file }), { instanceOf: InventoryError })
  t.is(err?.code, 'INVENTORY_STORAGE_FAILED')
  t.true(err?.message.startsWith(`cannot open the inventory at ${path.join(file, DEFAULT_FILE_NAME)}: `))
})

test('sqlite: the injected clock stamps times', async (t) => {
  const now = new Date('2030-01-02T03:04:05.678Z')
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY, now: () => now })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 'acme' })
  const host = await inventory.updateHost(await inventory.createHost({ tenantId: 'acme', hostId: 'h1' }), {
    status: 'x',
  })
  t.like(host, {
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    statusTimestamp: Math.floor(now.getTime() / 1000),
  })
})
