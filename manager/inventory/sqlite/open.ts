import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Logger } from '../../../lib/log.ts'
import { InventoryError } from '../errors.ts'
import { migrate, schemaVersion } from './migrations.ts'
import { SqliteInventory } from './sqlite-inventory.ts'

export const IN_MEMORY = ':memory:'
export const DEFAULT_FILE_NAME = 'inventory.sqlite'
/**
 * Pages (4 KiB) the WAL may hold before a commit checkpoints it into the database file: SQLite's own default.
 * A larger WAL writes less per ingest batch, but the manager also reads its hosts while the WAL grows, and reads
 * slow down with it: 10 000 pages cost a 10 000-host fleet more than they saved (docs/inventory.md, "SQLite settings").
 */
export const DEFAULT_WAL_AUTOCHECKPOINT_PAGES = 1000

export interface SqliteInventoryOptions {
  /** Directory of the database file (created when missing), or IN_MEMORY for a private in-memory database. */
  dataDir: string
  /** Default DEFAULT_FILE_NAME. */
  fileName?: string
  /** How long a write waits for another connection's write lock; default 5000 ms. */
  busyTimeoutMs?: number
  /** `PRAGMA wal_autocheckpoint` of the connection; default DEFAULT_WAL_AUTOCHECKPOINT_PAGES. */
  walAutocheckpointPages?: number
  /** The clock (tests). */
  now?: () => Date
  log?: Logger
}

/**
 * Opens (creating when needed, mode 0600 in a 0700 directory) and migrates the SQLite inventory: WAL journal
 * (readers never block the writer) checkpointed every `walAutocheckpointPages`, synchronous=NORMAL (durable across
 * process crashes; a power loss may lose the last transactions, never corrupts), foreign keys on, busy timeout.
 * Rejects with INVENTORY_SCHEMA_TOO_NEW on a database of a newer release, INVENTORY_MIGRATION_FAILED, or
 * INVENTORY_STORAGE_FAILED when the file cannot be opened.
 */
export async function openSqliteInventory(options: SqliteInventoryOptions): Promise<SqliteInventory> {
  const memory = options.dataDir === IN_MEMORY
  const file = memory ? IN_MEMORY : path.join(options.dataDir, options.fileName ?? DEFAULT_FILE_NAME)
  let db: Database.Database | undefined
  try {
    if (!memory) {
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
      // Password hashes and audit live here: create the file owner-only (SQLite gives -wal/-shm the same mode).
      await (await open(file, 'a', 0o600)).close()
    }
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 })
    if (!memory) db.pragma('journal_mode = WAL')
    db.pragma(`wal_autocheckpoint = ${walAutocheckpointPagesOf(options)}`)
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    const from = schemaVersion(db)
    const to = migrate(db)
    options.log
      ?.child({ module: 'inventory' })
      .info({ file, schemaVersion: to, migratedFrom: from === to ? undefined : from }, 'inventory opened')
    return new SqliteInventory(db, options.now)
  } catch (err) {
    db?.close()
    if (err instanceof InventoryError) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new InventoryError('INVENTORY_STORAGE_FAILED', `cannot open the inventory at ${file}: ${reason}`, {
      cause: err,
    })
  }
}

function walAutocheckpointPagesOf({ walAutocheckpointPages: pages }: SqliteInventoryOptions): number {
  if (pages === undefined) return DEFAULT_WAL_AUTOCHECKPOINT_PAGES
  if (!Number.isSafeInteger(pages) || pages < 1) throw new Error('walAutocheckpointPages must be an integer >= 1')
  return pages
}
