import type Database from 'better-sqlite3'
import { attempt, openSqliteFile } from '../../database/sqlite-file.ts'
import { SqlWaveHistory, type SqlRunner, type SqlWaveHistoryOptions } from './sql-wave-history.ts'

/** Schema steps: step i (0-based) is `PRAGMA user_version` i + 1. Never edit a released step; add one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE console_wave_samples (
     tenant_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     targeted INTEGER NOT NULL,
     done INTEGER NOT NULL,
     failed INTEGER NOT NULL,
     counted_at INTEGER NOT NULL,
     PRIMARY KEY (tenant_id, at)
   ) STRICT;`,
]

/** better-sqlite3 binds `$1`, `$2` … by name: an object keyed 1, 2 … */
const named = (params: readonly unknown[]) => Object.fromEntries(params.map((value, index) => [index + 1, value]))

/**
 * The console's wave history in a SQLite file of its own (<dataDir>/console-waves.sqlite, sql-wave-history.ts):
 * kept across restarts, and shared by managers on one data directory. Returns the history and its `close`.
 */
export async function openSqliteWaveHistory(
  file: string,
  options?: SqlWaveHistoryOptions,
): Promise<{ history: SqlWaveHistory; close: () => Promise<void> }> {
  const db = await openSqliteFile(file, MIGRATIONS, 'console wave history database')
  const statements = new Map<string, Database.Statement<[Record<string, unknown>]>>()
  const statement = (text: string) => {
    const prepared = statements.get(text) ?? db.prepare<[Record<string, unknown>]>(text)
    statements.set(text, prepared)
    return prepared
  }
  const sql: SqlRunner = {
    rows: <T>(text: string, params: readonly unknown[]) => attempt(() => statement(text).all(named(params)) as T[]),
    run: (text, params) => attempt(() => void statement(text).run(named(params))),
  }
  return { history: new SqlWaveHistory(sql, options), close: () => attempt(() => void db.close()) }
}
