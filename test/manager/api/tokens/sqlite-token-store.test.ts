import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import { hashToken, issueToken, verifyToken } from '../../../../manager/api/tokens/api-token.ts'
import { SqliteTokenStore, TokenDatabaseError } from '../../../../manager/api/tokens/sqlite-token-store.ts'
import { TOKEN_DATABASE_FILE_NAME } from '../../../../manager/config/config.ts'
import { tokenStoreConformance } from '../../../conformance/token-store.ts'
import { openSqliteTokens, tempDir } from './support.ts'

tokenStoreConformance('sqlite', async (t) => {
  const dir = await tempDir(t)
  return { store: await openSqliteTokens(t, dir), another: () => openSqliteTokens(t, dir) }
})

test('sqlite: the file is created owner-only in an owner-only directory, holds the hash only, and persists', async (t) => {
  const dir = path.join(await tempDir(t), 'data')
  const store = await openSqliteTokens(t, dir)
  const { token, info } = await issueToken(store, { role: 'admin', tenant: '*', name: 'ops' })
  const file = path.join(dir, TOKEN_DATABASE_FILE_NAME)
  t.is((await stat(file)).mode & 0o777, 0o600)
  t.is((await stat(dir)).mode & 0o777, 0o700)
  await store.close()
  const bytes = await readFile(file)
  t.false(bytes.includes(token.slice('amt_0123456789abcdef_'.length)), 'no token text on disk')
  t.true(bytes.includes(hashToken(token)))
  const reopened = await openSqliteTokens(t, dir)
  t.like(await verifyToken(reopened, token), { tokenId: info.id, name: 'ops' })
})

test('sqlite: a database of a newer release is refused and left unchanged', async (t) => {
  const file = path.join(await tempDir(t), TOKEN_DATABASE_FILE_NAME)
  const newer = new Database(file)
  newer.pragma('user_version = 99')
  newer.close()
  const err = await t.throwsAsync(SqliteTokenStore.open(file), { instanceOf: TokenDatabaseError })
  t.regex(err?.message ?? '', /schema version 99, newer than this release supports \(1\)/)
  const after = new Database(file, { readonly: true })
  t.teardown(() => after.close())
  t.is(after.pragma('user_version', { simple: true }), 99)
})

test('sqlite: a file that is not a database is an error naming the file', async (t) => {
  const file = path.join(await tempDir(t), TOKEN_DATABASE_FILE_NAME)
  await writeFile(file, 'not a database, just text '.repeat(100))
  const err = await t.throwsAsync(SqliteTokenStore.open(file), { instanceOf: TokenDatabaseError })
  t.true(err?.message.startsWith(`cannot open the API token database ${file}: `), err?.message)
})
