import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { createLocalSecretStore } from '../../../manager/secrets/local-sqlite.ts'
import { secretStoreConformance } from '../../conformance/secret-store.ts'
import { localStore, tempDir, TEST_KEYRING } from './support.ts'

secretStoreConformance('local SQLite store', (t) => localStore(t))

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const A = { password: 'Aa1!aaaaaaaa' }
const B = { password: 'Bb2#bbbbbbbb', mebxPassword: 'Mm1!mmmmmmmm' }

/** A second connection to the store's file, as another process (or an operator's sqlite3) would have. */
function otherConnection(t: ExecutionContext, file: string): Database.Database {
  const db = new Database(file, { timeout: 0 })
  t.teardown(() => db.close())
  return db
}

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777

test('local store: the database and its -wal/-shm are 0600 and a created directory 0700, whatever the umask', async (t) => {
  const dir = path.join(await tempDir(t), 'state')
  const file = path.join(dir, 'secrets.db')
  const umask = process.umask(0)
  let store
  try {
    store = createLocalSecretStore({ file, keyring: TEST_KEYRING })
  } finally {
    process.umask(umask)
  }
  t.teardown(() => store.close())
  t.true(await store.putAmtPassword(KEY, A))
  t.is(await modeOf(dir), 0o700)
  for (const name of [file, `${file}-wal`, `${file}-shm`]) t.is(await modeOf(name), 0o600, name)
})

test('local store: one row per secret holding its envelope (key id, sealed data key, data); WAL; schema version 2', async (t) => {
  const store = await localStore(t)
  await store.putAmtPassword(KEY, A)
  await store.putTenantPassword('acme', B)
  const db = otherConnection(t, store.file)
  const rows = db
    .prepare<[], { record: string }>('SELECT record FROM host_secrets UNION ALL SELECT record FROM tenant_secrets')
    .all()
  t.is(rows.length, 2)
  for (const { record } of rows) {
    const envelope = JSON.parse(record) as Record<string, unknown>
    t.deepEqual(Object.keys(envelope).sort(), ['data', 'dek', 'kek', 'v'])
    t.like(envelope, { v: 1, kek: 'test-kek' })
  }
  t.is(db.pragma('journal_mode', { simple: true }), 'wal')
  t.is(db.pragma('user_version', { simple: true }), 2)
})

test('local store: writes of one event-loop turn are committed in ONE transaction; later turns in their own', async (t) => {
  const commits: number[] = []
  const store = await localStore(t, { onCommit: (writes) => commits.push(writes) })
  const keys = Array.from({ length: 64 }, (_, i) => ({ tenantId: 'acme', hostId: `h-${i}` }))
  const results = await Promise.all(
    keys.map((key, i) => store.putAmtPassword(key, { password: `Aa1!aaaa${i}` }, { onlyIfAbsent: true })),
  )
  t.deepEqual(
    results,
    keys.map(() => true),
  )
  t.deepEqual(commits, [64])
  t.deepEqual(await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-63' }), { password: 'Aa1!aaaa63' })
  await store.deleteHostSecrets(KEY)
  await store.putTenantPassword('acme', A)
  t.deepEqual(commits, [64, 1, 1])
})

test('local store: a failed commit rejects every caller of its batch with SQLITE code only, and writes nothing', async (t) => {
  const commits: number[] = []
  const store = await localStore(t, { busyTimeoutMs: 0, onCommit: (writes) => commits.push(writes) })
  const other = otherConnection(t, store.file)
  other.exec('BEGIN IMMEDIATE') // holds the write lock: the store's transaction fails with SQLITE_BUSY
  const outcomes = await Promise.allSettled([
    store.putAmtPassword(KEY, A),
    store.putTenantPassword('acme', B),
    store.deleteHostSecrets({ tenantId: 'acme', hostId: 'h-2' }),
  ])
  for (const outcome of outcomes) {
    t.is(outcome.status, 'rejected')
    const err = (outcome as PromiseRejectedResult).reason as SecretStoreError
    t.true(err instanceof SecretStoreError)
    t.like(err, { code: 'SECRET_STORE_UNAVAILABLE', retryable: true, details: { reason: 'SQLITE_BUSY' } })
    for (const leak of [store.file, A.password, B.password, B.mebxPassword, 'database is locked'])
      t.false(err.message.includes(leak), leak)
  }
  t.deepEqual(commits, [])
  t.deepEqual(await store.getAmtPassword(KEY), null, 'reads go on while another connection writes (WAL)')
  other.exec('ROLLBACK')
  t.is(await store.getTenantPassword('acme'), null)
  t.true(await store.putAmtPassword(KEY, A), 'the next batch commits once the lock is gone')
  t.deepEqual(commits, [1])
})

test('local store: secrets survive a reopen; writes queued at close are committed first', async (t) => {
  const first = await localStore(t)
  await first.putAmtPassword(KEY, A)
  const queued = first.putTenantPassword('acme', B)
  await first.close()
  t.true(await queued)
  const again = createLocalSecretStore({ file: first.file, keyring: TEST_KEYRING })
  t.teardown(() => again.close())
  t.deepEqual(await again.getAmtPassword(KEY), A)
  t.deepEqual(await again.getTenantPassword('acme'), B)
  t.false(await again.putAmtPassword(KEY, B, { onlyIfAbsent: true }))
})

test('local store: a database of a newer release is refused (SECRET_STORE_CONFIG_INVALID) and left untouched', async (t) => {
  const store = await localStore(t)
  await store.close()
  const db = otherConnection(t, store.file)
  db.pragma('user_version = 3')
  const err = t.throws(() => createLocalSecretStore({ file: store.file, keyring: TEST_KEYRING }), {
    instanceOf: SecretStoreError,
  })
  t.is(err?.code, 'SECRET_STORE_CONFIG_INVALID')
  t.regex(err?.message ?? '', /schema version 3, newer than this release knows \(2\)/)
  t.is(db.pragma('user_version', { simple: true }), 3)
})

test('local store: a damaged or clear-text record written behind its back is SECRET_STORE_CORRUPT (not echoed)', async (t) => {
  const store = await localStore(t)
  const db = otherConnection(t, store.file)
  db.prepare('INSERT INTO host_secrets (tenant_id, host_id, record) VALUES (?, ?, ?)').run(
    'acme',
    'h-1',
    '{"password":"Aa1!aaa',
  )
  db.prepare('INSERT INTO tenant_secrets (tenant_id, record) VALUES (?, ?)').run('acme', '{"password":"Mm1!mmmmmmmm"}')
  const broken = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
  t.is(broken?.code, 'SECRET_STORE_CORRUPT')
  t.false(broken?.message.includes('Aa1') ?? true)
  const noPassword = await t.throwsAsync(store.getTenantPassword('acme'), { instanceOf: SecretStoreError })
  t.is(noPassword?.code, 'SECRET_STORE_CORRUPT')
  t.false(noPassword?.message.includes('Mm1') ?? true)
})

test('local store: a file that cannot be opened is SECRET_STORE_UNAVAILABLE naming the errno only', async (t) => {
  const blocker = path.join(await tempDir(t), 'not-a-dir')
  await writeFile(blocker, '')
  const err = t.throws(
    () => createLocalSecretStore({ file: path.join(blocker, 'secrets.db'), keyring: TEST_KEYRING }),
    { instanceOf: SecretStoreError },
  )
  t.like(err, { code: 'SECRET_STORE_UNAVAILABLE', details: { operation: 'open' } })
  t.regex(err?.details.reason ?? '', /^E[A-Z]+$/)
  t.false(err?.message.includes(blocker) ?? true)
})
