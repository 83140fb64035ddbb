import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import { SessionStore, sha256 } from '../../../../manager/api/sessions/session-store.ts'
import { SqliteSessionRecords } from '../../../../manager/api/sessions/sqlite-session-records.ts'
import { SESSION_DATABASE_FILE_NAME } from '../../../../manager/config/config.ts'
import { SqliteFileError } from '../../../../manager/database/sqlite-file.ts'
import { sessionStoreConformance } from '../../../conformance/session-store.ts'

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-sessions-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Opens the records in `dir` (one more connection per call), closed in t.teardown. */
async function openRecords(t: ExecutionContext, dir: string): Promise<SqliteSessionRecords> {
  const records = await SqliteSessionRecords.open(path.join(dir, SESSION_DATABASE_FILE_NAME))
  t.teardown(() => records.close())
  return records
}

sessionStoreConformance('sqlite', async (t) => {
  const dir = await tempDir(t)
  return { records: await openRecords(t, dir), another: () => openRecords(t, dir) }
})

test('sqlite: the file is owner-only, holds hashes only, and the sessions outlive a restart', async (t) => {
  const dir = path.join(await tempDir(t), 'data')
  const records = await openRecords(t, dir)
  const limits = { idleMs: 60_000, maxAgeMs: 60_000, maxSessions: 10, secureCookie: false }
  const session = await new SessionStore({ ...limits, records }).create('0123456789abcdef')
  const file = path.join(dir, SESSION_DATABASE_FILE_NAME)
  t.is((await stat(file)).mode & 0o777, 0o600)
  t.is((await stat(dir)).mode & 0o777, 0o700)
  await records.close()
  const bytes = await readFile(file)
  t.false(bytes.includes(session.id), 'no session id on disk')
  t.false(bytes.includes(session.csrfToken), 'no CSRF token on disk')
  t.true(bytes.includes(sha256(session.id)))
  const restarted = new SessionStore({ ...limits, records: await openRecords(t, dir) })
  t.like(await restarted.use(session.id), { tokenId: '0123456789abcdef', csrfToken: session.csrfToken })
})

test('sqlite: a database of a newer release is refused and left unchanged; a non-database names the file', async (t) => {
  const file = path.join(await tempDir(t), SESSION_DATABASE_FILE_NAME)
  const newer = new Database(file)
  newer.pragma('user_version = 99')
  newer.close()
  const err = await t.throwsAsync(SqliteSessionRecords.open(file), { instanceOf: SqliteFileError })
  t.regex(err?.message ?? '', /console session database .* schema version 99, newer than this release supports \(1\)/)
  const after = new Database(file, { readonly: true })
  t.teardown(() => after.close())
  t.is(after.pragma('user_version', { simple: true }), 99)

  const text = path.join(path.dirname(file), 'text.sqlite')
  await writeFile(text, 'not a database, just text '.repeat(100))
  const notDb = await t.throwsAsync(SqliteSessionRecords.open(text), { instanceOf: SqliteFileError })
  t.true(notDb?.message.startsWith(`cannot open the console session database ${text}: `), notDb?.message)
})
