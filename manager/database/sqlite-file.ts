import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'

/** A SQLite file that could not be opened or migrated; the message names the file, never its contents. */
export class SqliteFileError extends Error {
  override readonly name = 'SqliteFileError'
}

/**
 * Opens (creating when missing) a small SQLite database of one store: mode 0600 in a 0700 directory, WAL, and its
 * schema brought to the newest of `migrations` (step i, 0-based, is `PRAGMA user_version` i + 1) in one IMMEDIATE
 * transaction, so two processes opening a new file migrate it once. `what` names the store in error messages.
 * SqliteFileError when the file cannot be opened, is not a database, or has a newer schema (left unchanged).
 */
export async function openSqliteFile(
  file: string,
  migrations: readonly string[],
  what: string,
  busyTimeoutMs = 5000,
): Promise<Database.Database> {
  const resolved = path.resolve(file)
  let db: Database.Database | undefined
  try {
    await mkdir(path.dirname(resolved), { recursive: true, mode: 0o700 })
    // Created owner-only before SQLite opens it (SQLite gives -wal and -shm the same mode).
    await (await open(resolved, 'a', 0o600)).close()
    db = new Database(resolved, { timeout: busyTimeoutMs })
    db.pragma('journal_mode = WAL')
    migrate(db, migrations, `the ${what} ${resolved}`)
    return db
  } catch (err) {
    db?.close()
    if (err instanceof SqliteFileError) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new SqliteFileError(`cannot open the ${what} ${resolved}: ${reason}`, { cause: err })
  }
}

function migrate(db: Database.Database, migrations: readonly string[], named: string): void {
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number
    if (from > migrations.length)
      throw new SqliteFileError(
        `${named} has schema version ${from}, newer than this release supports (${migrations.length}): ` +
          'run a release at least as new as the one that wrote it',
      )
    for (let version = from + 1; version <= migrations.length; version++) db.exec(migrations[version - 1] as string)
    db.pragma(`user_version = ${migrations.length}`)
  }).immediate()
}

/** better-sqlite3 is synchronous: its result (or its exception) as a promise. */
export const attempt = <T>(work: () => T): Promise<T> => new Promise((resolve) => resolve(work()))
