import type Database from 'better-sqlite3'
import { HOST_COLUMNS, type HostRow } from './rows.ts'

const KEY_COLUMNS = new Set<keyof HostRow>(['tenant_id', 'host_id'])
const VALUE_COLUMNS = HOST_COLUMNS.filter((column) => !KEY_COLUMNS.has(column))
/** Distinct column sets seen in practice are few (one per kind of patch); past this, write whole rows. */
const MAX_CACHED = 256

/**
 * UPDATE of a host row that writes only the columns that changed: SQLite then rewrites only the indexes over
 * those columns (a typical `state` patch leaves two of the three state indexes alone; ~3x faster than writing
 * the whole row). One prepared statement per set of changed columns, cached. Guarded by the version the row
 * was read at: `after.version` is `before.version + 1`.
 */
export class HostWriter {
  readonly #db: Database.Database
  readonly #cache = new Map<string, Database.Statement>()
  readonly #wholeRow: Database.Statement

  constructor(db: Database.Database) {
    this.#db = db
    this.#wholeRow = db.prepare(sqlFor(VALUE_COLUMNS))
  }

  /** Returns the number of rows written: 1, or 0 when the stored version is no longer `before.version`. */
  run(before: HostRow, after: HostRow): number {
    const changed = VALUE_COLUMNS.filter((column) => before[column] !== after[column])
    return this.#statement(changed).run(after).changes
  }

  #statement(columns: readonly (keyof HostRow)[]): Database.Statement {
    const id = columns.join(',')
    let statement = this.#cache.get(id)
    if (statement === undefined) {
      if (this.#cache.size >= MAX_CACHED) return this.#wholeRow
      statement = this.#db.prepare(sqlFor(columns))
      this.#cache.set(id, statement)
    }
    return statement
  }
}

function sqlFor(columns: readonly (keyof HostRow)[]): string {
  const assignments = columns.map((column) => `${column} = @${column}`).join(', ')
  return `UPDATE hosts SET ${assignments} WHERE tenant_id = @tenant_id AND host_id = @host_id AND version = @version - 1`
}
