import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { keyringOf } from '../../../manager/secrets/local-keys.ts'
import { createLocalSecretStore } from '../../../manager/secrets/local-sqlite.ts'
import { capturedLogger, localStore, tempDir, testKek, TEST_KEYRING } from './support.ts'

/** The local store's versions (the port's contract is test/conformance/secret-store.ts): what is on disk. */

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const secretN = (n: number) => ({ password: `Ver${n}!sion-pwd` })

function connection(t: ExecutionContext, file: string): Database.Database {
  const db = new Database(file)
  t.teardown(() => db.close())
  return db
}

test('local versions: maxVersions is kept (current + previous), history rows are sealed; no clear text on disk', async (t) => {
  const store = await localStore(t, { maxVersions: 3 })
  for (let n = 1; n <= 5; n++) await store.putAmtPassword(KEY, secretN(n))
  const history = await store.getAmtPasswordHistory(KEY)
  t.deepEqual(
    history.map(({ version, secret }) => ({ version, secret })),
    [5, 4, 3].map((n) => ({ version: n, secret: secretN(n) })),
  )
  const db = connection(t, store.file)
  const rows = db
    .prepare<[], { version: number; record: string }>(
      'SELECT version, record FROM host_secret_history ORDER BY version',
    )
    .all()
  t.deepEqual(
    rows.map(({ version }) => version),
    [3, 4],
  )
  for (const { record } of rows) t.like(JSON.parse(record) as object, { v: 1, kek: 'test-kek' })
  db.pragma('wal_checkpoint(TRUNCATE)')
  const bytes = await readFile(store.file)
  for (let n = 1; n <= 5; n++) t.false(bytes.includes(Buffer.from(secretN(n).password)), `version ${n} in clear`)
})

test('local versions: a reopen with a lower maxVersions cuts every history; a higher one keeps what is there', async (t) => {
  const first = await localStore(t)
  for (let n = 1; n <= 6; n++) await first.putAmtPassword(KEY, secretN(n))
  await first.putAmtPassword({ tenantId: 'acme', hostId: 'h-2' }, secretN(9))
  await first.close()
  const lower = createLocalSecretStore({ file: first.file, keyring: TEST_KEYRING, maxVersions: 2 })
  t.deepEqual(
    (await lower.getAmtPasswordHistory(KEY)).map(({ version }) => version),
    [6, 5],
  )
  await lower.close()
  const higher = createLocalSecretStore({ file: first.file, keyring: TEST_KEYRING, maxVersions: 20 })
  t.teardown(() => higher.close())
  t.deepEqual(
    (await higher.getAmtPasswordHistory(KEY)).map(({ version }) => version),
    [6, 5],
  )
  t.is((await higher.getAmtPasswordHistory({ tenantId: 'acme', hostId: 'h-2' })).length, 1)
})

test('local versions: a database of schema version 1 migrates; its secret is version 1 written at an unknown time', async (t) => {
  const file = path.join(await tempDir(t), 'secrets.db')
  const old = new Database(file)
  old.exec(`
    CREATE TABLE host_secrets (tenant_id TEXT NOT NULL, host_id TEXT NOT NULL, record TEXT NOT NULL,
      PRIMARY KEY (tenant_id, host_id)) STRICT, WITHOUT ROWID;
    CREATE TABLE tenant_secrets (tenant_id TEXT PRIMARY KEY, record TEXT NOT NULL) STRICT, WITHOUT ROWID;`)
  old.prepare('INSERT INTO host_secrets VALUES (?, ?, ?)').run('acme', 'h-1', JSON.stringify(secretN(1)))
  old.pragma('user_version = 1')
  old.close()
  const store = createLocalSecretStore({ file, keyring: TEST_KEYRING })
  t.teardown(() => store.close())
  t.deepEqual(await store.getAmtPasswordHistory(KEY), [{ version: 1, writtenAt: null, secret: secretN(1) }])
  await store.putAmtPassword(KEY, secretN(2))
  const [current, previous] = await store.getAmtPasswordHistory(KEY)
  t.like(current, { version: 2, secret: secretN(2) })
  t.is(typeof current?.writtenAt, 'string')
  t.deepEqual(previous, { version: 1, writtenAt: null, secret: secretN(1) })
})

test('local versions: key rotation re-seals the history too; afterwards the previous key is not needed', async (t) => {
  const file = path.join(await tempDir(t), 'secrets.db')
  const k1 = testKek('k1')
  const k2 = testKek('k2')
  const first = createLocalSecretStore({ file, keyring: keyringOf(k1) })
  for (let n = 1; n <= 3; n++) await first.putAmtPassword(KEY, secretN(n))
  await first.close()
  const { log, lines } = capturedLogger()
  const rotated = createLocalSecretStore({ file, keyring: keyringOf(k2, [k1]), log })
  await rotated.close()
  t.true(lines.some((line) => line.includes('"records":3') && line.includes('re-sealed')))
  const only = createLocalSecretStore({ file, keyring: keyringOf(k2) })
  t.teardown(() => only.close())
  t.deepEqual(
    (await only.getAmtPasswordHistory(KEY)).map(({ secret }) => secret),
    [3, 2, 1].map(secretN),
  )
})

test('local versions: a history record moved to another host does not authenticate (SECRET_STORE_CORRUPT)', async (t) => {
  const store = await localStore(t)
  await store.putAmtPassword(KEY, secretN(1))
  await store.putAmtPassword(KEY, secretN(2))
  await store.putAmtPassword({ tenantId: 'acme', hostId: 'h-2' }, secretN(3))
  connection(t, store.file)
    .prepare("UPDATE host_secret_history SET host_id = 'h-2', version = 0 WHERE host_id = 'h-1'")
    .run()
  const err = await t.throwsAsync(store.getAmtPasswordHistory({ tenantId: 'acme', hostId: 'h-2' }), {
    instanceOf: SecretStoreError,
  })
  t.is(err?.code, 'SECRET_STORE_CORRUPT')
  t.false(err?.message.includes('Ver1') ?? true)
})

test('local versions: maxVersions below 1 is SECRET_STORE_CONFIG_INVALID', async (t) => {
  const file = path.join(await tempDir(t), 'secrets.db')
  const err = t.throws(() => createLocalSecretStore({ file, keyring: TEST_KEYRING, maxVersions: 0 }), {
    instanceOf: SecretStoreError,
  })
  t.is(err?.code, 'SECRET_STORE_CONFIG_INVALID')
})
