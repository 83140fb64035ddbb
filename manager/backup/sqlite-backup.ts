import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'

/**
 * Copies of the manager's files that are consistent while the manager runs. SQLite databases go through SQLite's
 * online backup API (better-sqlite3 `backup()`): the copy is one committed state, whatever the writer does
 * meanwhile. Every copy is written to `<to>.partial` (created 0600, never over an existing file), checked, made a
 * self-contained file (journal_mode DELETE: no -wal/-shm companions), then renamed to `to` (its directory is created
 * 0700 when missing). A failure leaves nothing behind; an existing `to` is never overwritten.
 */

/**
 * Pages per backup step: all in one. In steps of 100 (better-sqlite3's default), every write of the manager between
 * two steps restarts the copy, so a busy manager could keep a large backup from ever finishing. One step reads one
 * snapshot under a read transaction, which in WAL mode never blocks the manager's writes.
 */
const ALL_PAGES = 0x7fffffff

class BackupError extends Error {
  override readonly name = 'BackupError'
}

export interface SqliteCopy {
  bytes: number
  /** What `describe` read from the finished copy (e.g. `12 hosts`). */
  summary: string
}

/** `describe` reads the copy (opened read-only) for a one-line summary; it must not write. */
export async function backupSqliteDatabase(
  from: string,
  to: string,
  describe: (db: Database.Database) => string = () => '',
): Promise<SqliteCopy> {
  const source = openSource(from)
  try {
    return await writeThenRename(to, async (partial) => {
      await source.backup(partial, { progress: () => ALL_PAGES })
      const copy = new Database(partial, { fileMustExist: true })
      try {
        const check = String(copy.pragma('quick_check', { simple: true }))
        if (check !== 'ok') throw new BackupError(`the copy of ${from} failed SQLite's quick_check: ${check}`)
        copy.pragma('journal_mode = DELETE')
        return describe(copy)
      } finally {
        copy.close()
      }
    })
  } finally {
    source.close()
  }
}

function openSource(file: string): Database.Database {
  try {
    // Read-only: the backup never writes to the manager's database (and never creates a missing one).
    return new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 })
  } catch (err) {
    throw new BackupError(`cannot open ${file}: ${reasonOf(err)}`)
  }
}

async function writeThenRename(to: string, write: (partial: string) => Promise<string>): Promise<SqliteCopy> {
  if (await exists(to)) throw new BackupError(`${to} exists: choose a new name (a backup never overwrites)`)
  const partial = `${to}.partial`
  try {
    await mkdir(path.dirname(to), { recursive: true, mode: 0o700 })
    await (await open(partial, 'wx', 0o600)).close()
  } catch (err) {
    throw new BackupError(`cannot create ${partial}: ${reasonOf(err)}`)
  }
  try {
    const summary = await write(partial)
    await chmod(partial, 0o600)
    await rename(partial, to)
    return { bytes: (await stat(to)).size, summary }
  } catch (err) {
    const leftovers = [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]
    await Promise.all(leftovers.map((file) => rm(file, { force: true })))
    throw err instanceof BackupError ? err : new BackupError(`cannot write ${to}: ${reasonOf(err)}`)
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw new BackupError(`cannot check ${file}: ${reasonOf(err)}`)
  }
}

/** The errno or SQLite code and message (paths here are the operator's own, not secrets). */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as NodeJS.ErrnoException).code
  return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message
}
