import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'
import { TOKEN_COLUMNS, tokenOfRow, tokenValues, type TokenRow } from './token-rows.ts'
import { StoredToken, TokenNameTakenError, type TokenStore } from './token-store.ts'

/**
 * Schema steps: step i (0-based) is `PRAGMA user_version` i + 1. Never edit a released step; add one. Only hashes
 * are stored. `seq` keeps the order of insertion for tokens created in the same millisecond.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE api_tokens (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL UNIQUE,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
     tenant TEXT NOT NULL,
     hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;
   CREATE INDEX api_tokens_by_creation ON api_tokens (created_at, seq);`,
]

export class TokenDatabaseError extends Error {
  override readonly name = 'TokenDatabaseError'
}

/**
 * API tokens in a SQLite file of their own (mode 0600 in a 0700 directory, WAL): the server and the local
 * `tokens` commands open it side by side, and every read is a query, so a token created or revoked by one is seen
 * by the other at once. A name taken by another connection a moment earlier fails with TokenNameTakenError (UNIQUE).
 * Its own file, not a table of the Inventory: the token store sits above the Inventory (manager/api), owns its
 * schema and is opened by the CLI without opening (and migrating) the Inventory.
 */
export class SqliteTokenStore implements TokenStore {
  readonly #db: Database.Database
  readonly #get: Database.Statement<[string], TokenRow>
  readonly #list: Database.Statement<[], TokenRow>
  readonly #insert: Database.Statement<string[]>
  readonly #remove: Database.Statement<[string]>

  private constructor(
    db: Database.Database,
    readonly file: string,
  ) {
    this.#db = db
    this.#get = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`)
    this.#list = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, seq`)
    this.#insert = db.prepare(`INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
    this.#remove = db.prepare('DELETE FROM api_tokens WHERE id = ?')
  }

  /** Creates the file when missing and brings its schema up to date; TokenDatabaseError when that fails. */
  static async open(file: string, busyTimeoutMs = 5000): Promise<SqliteTokenStore> {
    const resolved = path.resolve(file)
    let db: Database.Database | undefined
    try {
      await mkdir(path.dirname(resolved), { recursive: true, mode: 0o700 })
      // Created owner-only before SQLite opens it (SQLite gives -wal and -shm the same mode).
      await (await open(resolved, 'a', 0o600)).close()
      db = new Database(resolved, { timeout: busyTimeoutMs })
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      migrate(db, resolved)
      return new SqliteTokenStore(db, resolved)
    } catch (err) {
      db?.close()
      if (err instanceof TokenDatabaseError) throw err
      const reason = err instanceof Error ? err.message : String(err)
      throw new TokenDatabaseError(`cannot open the API token database ${resolved}: ${reason}`, { cause: err })
    }
  }

  get(id: string): Promise<StoredToken | null> {
    return attempt(() => {
      const row = this.#get.get(id)
      return row === undefined ? null : tokenOfRow(row)
    })
  }

  list(): Promise<StoredToken[]> {
    return attempt(() => this.#list.all().map(tokenOfRow))
  }

  add(token: StoredToken): Promise<void> {
    return attempt(() => {
      const parsed = StoredToken.parse(token)
      try {
        this.#insert.run(...tokenValues(parsed))
      } catch (err) {
        if (isUniqueViolationOn(err, 'api_tokens.name')) throw new TokenNameTakenError(parsed.name)
        throw err
      }
    })
  }

  remove(id: string): Promise<boolean> {
    return attempt(() => this.#remove.run(id).changes === 1)
  }

  close(): Promise<void> {
    return attempt(() => void this.#db.close())
  }
}

/** Runs the pending steps in one IMMEDIATE transaction: two processes opening a new file migrate it once. */
function migrate(db: Database.Database, file: string): void {
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number
    if (from > MIGRATIONS.length)
      throw new TokenDatabaseError(
        `the API token database ${file} has schema version ${from}, newer than this release supports ` +
          `(${MIGRATIONS.length}): run a release at least as new as the one that wrote it`,
      )
    for (let version = from + 1; version <= MIGRATIONS.length; version++) db.exec(MIGRATIONS[version - 1] as string)
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  }).immediate()
}

/** better-sqlite3 is synchronous: its result (or its exception) as a promise. */
const attempt = <T>(work: () => T): Promise<T> => new Promise((resolve) => resolve(work()))

/** "UNIQUE constraint failed: api_tokens.name" (SQLITE_CONSTRAINT_UNIQUE). */
function isUniqueViolationOn(err: unknown, column: string): boolean {
  return (
    err instanceof Error &&
    'code' in err &&
    err.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    err.message.includes(`UNIQUE constraint failed: ${column}`)
  )
}
