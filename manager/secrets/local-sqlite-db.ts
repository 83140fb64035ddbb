import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { SecretStoreError } from './errors.ts'

/**
 * The schema of the local secret database, one step per version (PRAGMA user_version holds the last applied).
 * Rules as for the Inventory (manager/inventory/sqlite/migrations.ts): never edit a released step, add one.
 * `record` is the JSON of recordOf (secret-paths.ts), `{ password, mebxPassword? }`, read back through secretOf,
 * so a bad record is SECRET_STORE_CORRUPT exactly as a bad file was.
 */
const SCHEMA: readonly string[] = [
  `
  CREATE TABLE host_secrets (
    tenant_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (tenant_id, host_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE tenant_secrets (
    tenant_id TEXT PRIMARY KEY,
    record TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  // Versions of a host's secret: the current row numbers its version and says when it was written (NULL: by an
  // older release); the previous versions move, sealed as they were, into host_secret_history (local-sqlite.ts).
  `
  ALTER TABLE host_secrets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE host_secrets ADD COLUMN written_at TEXT;

  CREATE TABLE host_secret_history (
    tenant_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    written_at TEXT,
    record TEXT NOT NULL,
    PRIMARY KEY (tenant_id, host_id, version)
  ) STRICT, WITHOUT ROWID;
  `,
]

const SECRET_SCHEMA_VERSION = SCHEMA.length

/**
 * Opens (creating when needed) the secret database: the file is created 0600 before SQLite opens it, in a 0700
 * directory when that is created; SQLite gives its -wal and -shm companions the database file's mode whatever the
 * umask. WAL journal, synchronous=FULL (a password AMT will be provisioned with must survive a power loss before
 * the desired state that uses it is published), secure_delete (a deleted password is overwritten, not left in a
 * free page). Synchronous on purpose: createSecretStore is, and a bad file should stop the start right away.
 * Throws SECRET_STORE_UNAVAILABLE (reason: the errno / SQLite code only, never the path) when the file cannot be
 * opened, SECRET_STORE_CONFIG_INVALID for a database of a newer release (left untouched).
 */
export function openSecretDatabase(file: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
    db = new Database(file, { timeout: busyTimeoutMs })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('secure_delete = ON')
    migrate(db)
    return db
  } catch (err) {
    db?.close()
    if (err instanceof SecretStoreError) throw err
    throw new SecretStoreError('SECRET_STORE_UNAVAILABLE', { operation: 'open', reason: storageReason(err) })
  }
}

/** Applies the missing schema steps, each in its own transaction with its user_version; refuses a newer database. */
function migrate(db: Database.Database): void {
  const version = (): number => Number(db.pragma('user_version', { simple: true }))
  const found = version()
  if (found > SECRET_SCHEMA_VERSION) {
    throw new SecretStoreError('SECRET_STORE_CONFIG_INVALID', {
      operation: 'open',
      reason: `the secret database has schema version ${found}, newer than this release knows (${SECRET_SCHEMA_VERSION}); use a newer release`,
    })
  }
  const apply = db.transaction((step: number) => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (version() >= step) return
    db.exec(SCHEMA[step - 1] ?? '')
    db.pragma(`user_version = ${step}`)
  })
  for (let step = found + 1; step <= SECRET_SCHEMA_VERSION; step++) apply.immediate(step)
}

/**
 * Why the storage failed, for an error's `reason`: the SQLite result code (SQLITE_BUSY, SQLITE_FULL, ...) or the
 * errno code (EACCES, ENOTDIR, ...) only. Driver messages may name the path, so they are never kept.
 */
export function storageReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(SQLITE_[A-Z_]+|E[A-Z]+)$/.test(code) ? code : 'unknown'
}
