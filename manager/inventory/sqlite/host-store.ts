import type Database from 'better-sqlite3'
import { invalidInput } from '../errors.ts'
import { applyHostPatch, assertKey, assertPatch, isDesiredWrite, newHost } from '../host-patch.ts'
import type { CreateHostInput, DesiredTargets, Host, HostKey, HostPatch, HostUpdate, StateCount } from '../port.ts'
import type { HostQuery } from './host-query.ts'
import { hostFromRow, hostToRow, type HostRow } from '../sql/rows.ts'
import { isCheckViolation, violationOf } from './sqlite-error.ts'
import type { Statements } from './statements.ts'
import {
  VALUE_COLUMNS,
  hostInsertError,
  atIndex,
  hostWriteOf,
  checkedRow,
  keyOf,
  movedUnderUs,
  updateSql,
} from '../sql/host-write-sql.ts'
import { stateCountOf } from '../sql/records.ts'

/** Distinct column sets seen in practice are few (one per kind of patch); past this, write whole rows. */
const MAX_UPDATES = 256

/**
 * Host operations, synchronous; the caller (SqliteInventory) wraps writes in an IMMEDIATE transaction, so every
 * read-check-write below is atomic against other connections too.
 *
 * An UPDATE of a host row writes only the columns that changed: SQLite then rewrites only the indexes over those
 * columns (a typical `state` patch leaves two of the three state indexes alone; ~3x faster than writing the whole
 * row). One prepared statement per set of changed columns, cached. Guarded by the version the row was read at:
 * the new version is the old one + 1.
 */
export class HostStore {
  readonly #db: Database.Database
  readonly #s: Statements
  readonly #query: HostQuery
  readonly #now: () => Date
  readonly #updates = new Map<string, Database.Statement>()
  readonly #wholeRow: Database.Statement

  constructor(db: Database.Database, statements: Statements, query: HostQuery, now: () => Date) {
    this.#db = db
    this.#s = statements
    this.#query = query
    this.#now = now
    this.#wholeRow = db.prepare(updateSql(VALUE_COLUMNS))
  }

  insert(input: CreateHostInput, now = this.#now()): Host {
    const host = newHost(input, now)
    try {
      this.#s.hostInsert.run(hostToRow(host))
    } catch (err) {
      throw hostInsertError(input, violationOf(err), err)
    }
    return host
  }

  insertMany(inputs: readonly CreateHostInput[]): Host[] {
    const now = this.#now()
    return inputs.map((input, index) => atItem(index, () => this.insert(input, now)))
  }

  find(key: HostKey): Host | null {
    const row = this.#row(key)
    return row === undefined ? null : hostFromRow(row)
  }

  findMany(keys: readonly HostKey[]): (Host | null)[] {
    return keys.map((key, index) => atItem(index, () => this.find(key)))
  }

  get(key: HostKey): Host {
    return hostFromRow(this.#existing(key))
  }

  /**
   * With `current` (the host as the caller read it, at `expectedVersion`), the row is not read again: the
   * UPDATE itself is guarded by the version, and only when it writes nothing is the row read, for the error.
   * Saves one SELECT per report on the ingest path (~10 % of its CPU, docs/benchmarks.md).
   */
  update({ key, patch, expectedVersion, current }: HostUpdate, now = this.#now()): Host {
    if (
      current !== undefined &&
      current.version === expectedVersion &&
      current.tenantId === key.tenantId &&
      current.hostId === key.hostId
    ) {
      const next = this.#write(current, patch, now)
      if (next !== null) return next
    }
    const row = this.#checked(key, expectedVersion)
    const next = this.#write(hostFromRow(row), patch, now)
    // Unreachable inside the write transaction; kept as the guard a non-transactional caller would need.
    if (next === null) throw movedUnderUs(row)
    return next
  }

  updateMany(updates: readonly HostUpdate[]): Host[] {
    const now = this.#now()
    return updates.map((update, index) => atItem(index, () => this.update(update, now)))
  }

  /**
   * By filter: the matching rows, read here. By keys: each row read here. By hosts as the caller read them: each
   * written as read, guarded by its version (no read); only a host that moved since (or is gone) is read here.
   */
  setDesiredMany(targets: DesiredTargets, patch: HostPatch): Host[] {
    assertPatch(patch)
    if (!isDesiredWrite(patch)) throw invalidInput('a desired write must set desiredState, controlMode or dnsSuffix')
    const now = this.#now()
    if ('filter' in targets)
      return this.#query.select(targets.filter, null).map((row) => this.#writeRead(row, patch, now))
    if ('hosts' in targets)
      return eachOnce(targets.hosts, (host) => this.#write(host, patch, now) ?? this.#writeExisting(host, patch, now))
    return eachOnce(targets.keys, (key) => this.#writeExisting(key, patch, now))
  }

  delete(key: HostKey, expectedVersion?: number): void {
    this.#checked(key, expectedVersion)
    this.#s.hostDelete.run(key.tenantId, key.hostId)
  }

  count(tenantId?: string): StateCount[] {
    const rows = tenantId === undefined ? this.#s.hostCountAll.all() : this.#s.hostCountTenant.all(tenantId)
    return rows.map(stateCountOf)
  }

  #row(key: HostKey): HostRow | undefined {
    assertKey(key)
    return this.#s.hostGet.get(key.tenantId, key.hostId)
  }

  #existing(key: HostKey): HostRow {
    return checkedRow(key, this.#row(key), undefined)
  }

  #checked(key: HostKey, expectedVersion: number | undefined): HostRow {
    return checkedRow(key, this.#row(key), expectedVersion)
  }

  /** Writes `host` patched (the changed columns); null when the stored version is no longer the host's. */
  #write(host: Host, patch: HostPatch, now: Date): Host | null {
    const next = applyHostPatch(host, patch, now)
    const { columns, params } = hostWriteOf(host, next, patch)
    let changes: number
    try {
      changes = this.#update(columns).run(params).changes
    } catch (err) {
      if (isCheckViolation(err))
        throw invalidInput('host values rejected by the database', { ...keyOf(host), cause: err })
      throw err
    }
    return changes === 1 ? next : null
  }

  /** The cached UPDATE of these columns (the whole row past MAX_UPDATES column sets). */
  #update(columns: readonly (keyof HostRow)[]): Database.Statement {
    const id = columns.join(',')
    let statement = this.#updates.get(id)
    if (statement === undefined) {
      if (this.#updates.size >= MAX_UPDATES) return this.#wholeRow
      statement = this.#db.prepare(updateSql(columns))
      this.#updates.set(id, statement)
    }
    return statement
  }

  /** The stored row of `key` (NotFound when gone), read and written in this transaction. */
  #writeExisting(key: HostKey, patch: HostPatch, now: Date): Host {
    return this.#writeRead(this.#existing(key), patch, now)
  }

  /** A row read in this transaction: its version cannot have moved. */
  #writeRead(row: HostRow, patch: HostPatch, now: Date): Host {
    const next = this.#write(hostFromRow(row), patch, now)
    if (next === null) throw movedUnderUs(row)
    return next
  }
}

/** Writes each host once, in the order of its first appearance; a failure names that item's position. */
function eachOnce<T extends HostKey>(items: readonly T[], write: (item: T) => Host): Host[] {
  const seen = new Set<string>()
  const hosts: Host[] = []
  items.forEach((item, index) => {
    const id = `${item.tenantId}/${item.hostId}`
    if (seen.has(id)) return
    seen.add(id)
    hosts.push(atItem(index, () => write(item)))
  })
  return hosts
}

/** Runs one item of a batch; an InventoryError is annotated with the item's position. */
function atItem<T>(index: number, run: () => T): T {
  try {
    return run()
  } catch (err) {
    throw atIndex(index, err)
  }
}
