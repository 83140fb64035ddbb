import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import { backupSqliteDatabase } from '../../../manager/backup/sqlite-backup.ts'

/** The SQLite copy against a writer that never pauses: it must finish, with one committed state. */
test('a backup of a large database finishes while another connection writes between its steps', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-sqlite-backup-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'source.sqlite')
  const writer = new Database(file)
  t.teardown(() => writer.close())
  writer.pragma('journal_mode = WAL')
  writer.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  const insert = writer.prepare('INSERT INTO rows (body) VALUES (?)')
  writer.transaction(() => {
    for (let n = 0; n < 2000; n++) insert.run('x'.repeat(1000)) // ~500 pages: several steps of 100
  })()

  // A write on every turn of the event loop, as long as the backup runs (bounded: a copy that restarts on every
  // write would never end; the cap turns that into a failure instead of a hang).
  const WRITE_CAP = 20_000
  let writes = 0
  let done = false
  const writing = new Promise<void>((resolve) => {
    const step = () => {
      if (done || writes >= WRITE_CAP) return resolve()
      insert.run(`write ${++writes}`)
      setImmediate(step)
    }
    setImmediate(step)
  })
  const copy = await backupSqliteDatabase(file, path.join(dir, 'copy.sqlite'), (db) => {
    const { rows } = db.prepare('SELECT count(*) AS rows FROM rows').get() as { rows: number }
    return String(rows)
  })
  done = true
  await writing

  t.true(writes < WRITE_CAP, `the backup finished while the writer ran (${writes} writes)`)
  const rows = Number(copy.summary)
  t.true(rows >= 2000 && rows <= 2000 + writes, `one committed state: ${rows} rows`)
  t.is((await stat(path.join(dir, 'copy.sqlite'))).size, copy.bytes)
})
