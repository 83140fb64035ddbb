import path from 'node:path'
import type Database from 'better-sqlite3'
import { attempt, openSqliteFile } from '../../database/sqlite-file.ts'
import type { Expiry, SessionRecord, SessionRecords } from './session-records.ts'
import { recordOfRow, SESSION_COLUMNS, sessionValues, type SessionRow } from './session-rows.ts'

/** Schema steps: step i (0-based) is `PRAGMA user_version` i + 1. Never edit a released step; add one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE console_sessions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id_hash TEXT NOT NULL UNIQUE,
     token_id TEXT NOT NULL,
     csrf_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX console_sessions_by_creation ON console_sessions (created_at, seq);
   CREATE INDEX console_sessions_by_use ON console_sessions (last_used_at);`,
]

/**
 * The console's sessions in a SQLite file of their own (<dataDir>/console-sessions.sqlite, mode 0600 in a 0700
 * directory, WAL), as the API tokens are kept (sqlite-token-store.ts): sessions survive a restart, and managers
 * sharing the data directory share them. Hashes only (session-rows.ts).
 */
export class SqliteSessionRecords implements SessionRecords {
  readonly #db: Database.Database
  readonly #get: Database.Statement<[string], SessionRow>
  readonly #insert: Database.Transaction<(record: SessionRecord, expiry: Expiry, maxSessions: number) => void>
  readonly #touch: Database.Statement<[number, string, number]>
  readonly #remove: Database.Statement<[string]>
  readonly #count: Database.Statement<[], { n: number }>

  private constructor(
    db: Database.Database,
    readonly file: string,
  ) {
    this.#db = db
    this.#get = db.prepare(`SELECT ${SESSION_COLUMNS} FROM console_sessions WHERE id_hash = ?`)
    const prune = db.prepare<[number, number]>('DELETE FROM console_sessions WHERE created_at < ? OR last_used_at < ?')
    const evict = db.prepare<[number]>(
      `DELETE FROM console_sessions WHERE seq IN (
         SELECT seq FROM console_sessions ORDER BY created_at, seq
         LIMIT max(0, (SELECT count(*) FROM console_sessions) - ?))`,
    )
    const insert = db.prepare<[string, string, string, number, number]>(
      `INSERT INTO console_sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
    )
    this.#insert = db.transaction((record: SessionRecord, expiry: Expiry, maxSessions: number) => {
      prune.run(expiry.createdBefore, expiry.usedBefore)
      evict.run(maxSessions - 1)
      insert.run(...sessionValues(record))
    })
    this.#touch = db.prepare('UPDATE console_sessions SET last_used_at = ? WHERE id_hash = ? AND last_used_at < ?')
    this.#remove = db.prepare('DELETE FROM console_sessions WHERE id_hash = ?')
    this.#count = db.prepare('SELECT count(*) AS n FROM console_sessions')
  }

  /** Creates the file when missing and brings its schema up to date; SqliteFileError when that fails. */
  static async open(file: string): Promise<SqliteSessionRecords> {
    const db = await openSqliteFile(file, MIGRATIONS, 'console session database')
    return new SqliteSessionRecords(db, path.resolve(file))
  }

  insert(record: SessionRecord, expiry: Expiry, maxSessions: number): Promise<void> {
    return attempt(() => this.#insert.immediate(record, expiry, maxSessions))
  }

  get(idHash: string): Promise<SessionRecord | null> {
    return attempt(() => {
      const row = this.#get.get(idHash)
      return row === undefined ? null : recordOfRow(row)
    })
  }

  touch(idHash: string, at: number): Promise<void> {
    return attempt(() => void this.#touch.run(at, idHash, at))
  }

  remove(idHash: string): Promise<void> {
    return attempt(() => void this.#remove.run(idHash))
  }

  count(): Promise<number> {
    return attempt(() => this.#count.get()?.n ?? 0)
  }

  close(): Promise<void> {
    return attempt(() => void this.#db.close())
  }
}
