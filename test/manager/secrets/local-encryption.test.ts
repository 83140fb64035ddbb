import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { keyringOf, type Keyring } from '../../../manager/secrets/local-keys.ts'
import { createLocalSecretStore } from '../../../manager/secrets/local-sqlite.ts'
import { capturedLogger, kekText, tempDir, testKek } from './support.ts'

const H1 = { tenantId: 'acme', hostId: 'h-1' }
const H2 = { tenantId: 'acme', hostId: 'h-2' }
const A = { password: 'Qz7!ClearTextAmt', mebxPassword: 'Wx3#ClearTextMebx' }
const B = { password: 'Pk5$OtherHostPwd' }
const SECRETS = [A.password, A.mebxPassword, B.password]

async function newFile(t: ExecutionContext): Promise<string> {
  return path.join(await tempDir(t), 'secrets.db')
}

function open(t: ExecutionContext, file: string, keyring: Keyring) {
  const { log, lines } = capturedLogger()
  const store = createLocalSecretStore({ file, keyring, log })
  t.teardown(() => store.close())
  return { store, lines }
}

const ALL_RECORDS = 'SELECT record FROM host_secrets UNION ALL SELECT record FROM tenant_secrets'

function connection(t: ExecutionContext, file: string): Database.Database {
  const db = new Database(file)
  t.teardown(() => db.close())
  return db
}

/** The raw bytes of the database and its -wal / -shm (those that exist), searched for every password. */
async function clearTextIn(file: string): Promise<string[]> {
  const found: string[] = []
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    const bytes = await readFile(name).catch(() => Buffer.alloc(0))
    for (const secret of SECRETS) {
      if (bytes.includes(Buffer.from(secret, 'utf8'))) found.push(`${path.basename(name)}: ${secret}`)
    }
  }
  return found
}

test('encryption at rest: no password in the database, its -wal or -shm, before and after a checkpoint', async (t) => {
  const file = await newFile(t)
  const { store } = open(t, file, keyringOf(testKek('k1')))
  await store.putAmtPassword(H1, A)
  await store.putTenantPassword('acme', B)
  const wal = await readFile(`${file}-wal`)
  t.true(wal.length > 0, 'the writes are still in the WAL')
  t.deepEqual(await clearTextIn(file), [])
  connection(t, file).pragma('wal_checkpoint(TRUNCATE)')
  t.deepEqual(await clearTextIn(file), [])
  t.deepEqual(await store.getAmtPassword(H1), A)
  t.deepEqual(await store.getTenantPassword('acme'), B)
})

test('encryption at rest: a ciphertext moved to another row fails authentication with a clear error', async (t) => {
  const file = await newFile(t)
  const { store } = open(t, file, keyringOf(testKek('k1')))
  await store.putAmtPassword(H1, A)
  await store.putAmtPassword(H2, B)
  await store.putTenantPassword('acme', B)
  const db = connection(t, file)
  const { record } = db.prepare('SELECT record FROM host_secrets WHERE host_id = ?').get('h-1') as { record: string }
  db.prepare('UPDATE host_secrets SET record = ? WHERE host_id = ?').run(record, 'h-2')
  db.prepare('UPDATE tenant_secrets SET record = ? WHERE tenant_id = ?').run(record, 'acme')
  for (const read of [store.getAmtPassword(H2), store.getTenantPassword('acme')]) {
    const err = await t.throwsAsync(read, { instanceOf: SecretStoreError })
    t.is(err?.code, 'SECRET_STORE_CORRUPT')
    t.regex(err?.message ?? '', /does not authenticate \(tampered with, or moved from another row\)/)
    for (const secret of SECRETS) t.false(err?.message.includes(secret))
  }
  t.deepEqual(await store.getAmtPassword(H1), A, 'the row in its place still reads')
})

test('migration: clear-text rows of an older release are encrypted at start and counted in the log', async (t) => {
  const file = await newFile(t)
  const kek = testKek('k1')
  const { store: first } = open(t, file, keyringOf(kek))
  await first.close()
  const db = connection(t, file)
  const insertHost = db.prepare('INSERT INTO host_secrets (tenant_id, host_id, record) VALUES (?, ?, ?)')
  insertHost.run('acme', 'h-1', JSON.stringify(A))
  db.prepare('INSERT INTO tenant_secrets (tenant_id, record) VALUES (?, ?)').run('acme', JSON.stringify(B))
  const { store, lines } = open(t, file, keyringOf(kek))
  const counted = lines.some((line) => line.includes('encrypted clear-text secrets of an older release'))
  t.true(counted && lines.some((line) => line.includes('"records":2')))
  t.deepEqual(await clearTextIn(file), [], 'the WAL that held the clear rows was truncated at start')
  db.pragma('wal_checkpoint(TRUNCATE)')
  t.deepEqual(await clearTextIn(file), [])
  t.deepEqual(await store.getAmtPassword(H1), A)
  t.deepEqual(await store.getTenantPassword('acme'), B)
  for (const secret of SECRETS) t.false(lines.some((line) => line.includes(secret)))
})

test('rotation: records of a previous key are re-sealed under the current one at start', async (t) => {
  const file = await newFile(t)
  const [k1, k2] = [testKek('k1'), testKek('k2')]
  const { store: first } = open(t, file, keyringOf(k1))
  await first.putAmtPassword(H1, A)
  await first.putTenantPassword('acme', B)
  await first.close()
  const { store: rotating, lines } = open(t, file, keyringOf(k2, [k1]))
  t.true(lines.some((line) => line.includes('re-sealed secrets under the current key') && line.includes('"records":2')))
  await rotating.close()
  const rows = connection(t, file).prepare<[], { record: string }>(ALL_RECORDS).all()
  t.deepEqual(
    rows.map(({ record }) => (JSON.parse(record) as { kek: string }).kek),
    ['k2', 'k2'],
  )
  const { store } = open(t, file, keyringOf(k2))
  t.deepEqual(await store.getAmtPassword(H1), A, 'the previous key is no longer needed')
  t.deepEqual(await store.getTenantPassword('acme'), B)
})

test('a wrong or missing key for stored records stops the start naming the key id, and changes nothing', async (t) => {
  const file = await newFile(t)
  const k1 = testKek('k1')
  const { store: first } = open(t, file, keyringOf(k1))
  await first.putAmtPassword(H1, A)
  await first.close()
  const wrong = testKek('k1')
  const opening = (keyring: Keyring) => () => createLocalSecretStore({ file, keyring })
  const refusedWrong = t.throws(opening(keyringOf(wrong)), { instanceOf: SecretStoreError })
  t.is(refusedWrong?.code, 'SECRET_STORE_KEK_REFUSED')
  t.regex(refusedWrong?.message ?? '', /key\(s\) 'k1' open none of the secrets sealed under that id \(wrong key/)
  const refusedMissing = t.throws(opening(keyringOf(testKek('k2'))), { instanceOf: SecretStoreError })
  t.is(refusedMissing?.code, 'SECRET_STORE_KEK_REFUSED')
  t.regex(refusedMissing?.message ?? '', /sealed under key id\(s\) 'k1', which no configured key has/)
  for (const err of [refusedWrong, refusedMissing]) {
    const leaks = [kekText(k1), kekText(wrong), k1.key.toString('base64'), A.password]
    for (const leak of leaks) t.false(err?.message.includes(leak))
  }
  const { store } = open(t, file, keyringOf(k1))
  t.deepEqual(await store.getAmtPassword(H1), A)
})

test('a single tampered record does not stop the start: it is counted in a warning and only its reads fail', async (t) => {
  const file = await newFile(t)
  const k1 = testKek('k1')
  const { store: first } = open(t, file, keyringOf(k1))
  await first.putAmtPassword(H1, A)
  await first.putAmtPassword(H2, B)
  await first.close()
  const db = connection(t, file)
  const { record } = db.prepare('SELECT record FROM host_secrets WHERE host_id = ?').get('h-1') as { record: string }
  db.prepare('UPDATE host_secrets SET record = ? WHERE host_id = ?').run(record, 'h-2')
  const { store, lines } = open(t, file, keyringOf(testKek('k2'), [k1]))
  const warned = lines.find((line) => line.includes('stored secrets that do not authenticate'))
  t.truthy(warned)
  t.regex(warned ?? '', /"level":40.*"records":1/)
  t.deepEqual(await store.getAmtPassword(H1), A, 'the intact record was re-sealed and reads')
  const err = await t.throwsAsync(store.getAmtPassword(H2), { instanceOf: SecretStoreError })
  t.is(err?.code, 'SECRET_STORE_CORRUPT')
})
