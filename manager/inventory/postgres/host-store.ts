import { invalidInput } from '../errors.ts'
import { applyHostPatch, assertKey, assertPatch, isDesiredWrite, newHost } from '../host-patch.ts'
import type { CreateHostInput, DesiredTargets, Host, HostKey, HostPatch, HostUpdate } from '../port.ts'
import {
  atIndex,
  hostInsertError,
  hostWriteOf,
  checkedRow,
  keyOf,
  movedUnderUs,
  updateSql,
} from '../sql/host-write-sql.ts'
import { hostFromRow, hostToRow, type HostRow } from '../sql/rows.ts'
import { STATEMENT_SQL } from '../sql/statements-sql.ts'
import { lockByKeys, readByKeys, writeAll } from './host-batch.ts'
import { selectForUpdate } from './host-query.ts'
import { isRejectedValue, violationOf } from './pg-error.ts'
import type { Sql } from './sql.ts'

const LOCKED_HOST = `${STATEMENT_SQL.hostGet} FOR UPDATE`

/**
 * Host writes on PostgreSQL, each inside the caller's transaction (PostgresInventory). READ COMMITTED, so a row
 * to be written is read FOR UPDATE: concurrent writers of one host (on any replica) queue on its row lock, and
 * each applies its patch to the row the previous one committed. Every UPDATE is guarded by the version the row was
 * read at; with `current` (the host as the caller read it) the row is not read first: the guarded UPDATE writes
 * nothing when the host moved, and only then is the row read, for the error (or a write without expectedVersion).
 * A bulk desired write locks and writes its hosts a thousand per statement, in key order (host-batch.ts).
 */
export class HostStore {
  readonly #now: () => Date

  constructor(now: () => Date) {
    this.#now = now
  }

  async insert(sql: Sql, input: CreateHostInput, now = this.#now()): Promise<Host> {
    const host = newHost(input, now)
    try {
      await sql.run(STATEMENT_SQL.hostInsert, hostToRow(host))
    } catch (err) {
      throw hostInsertError(input, violationOf(err), err)
    }
    return host
  }

  async insertMany(sql: Sql, inputs: readonly CreateHostInput[]): Promise<Host[]> {
    const now = this.#now()
    return eachInOrder(inputs, (input) => this.insert(sql, input, now))
  }

  async find(sql: Sql, key: HostKey): Promise<Host | null> {
    assertKey(key)
    const row = await sql.row<HostRow>(STATEMENT_SQL.hostGet, [key.tenantId, key.hostId])
    return row === undefined ? null : hostFromRow(row)
  }

  async findMany(sql: Sql, keys: readonly HostKey[]): Promise<(Host | null)[]> {
    for (const [index, key] of keys.entries()) {
      try {
        assertKey(key)
      } catch (err) {
        throw atIndex(index, err)
      }
    }
    const found = await readByKeys(sql, keys)
    return keys.map((key) => found.get(`${key.tenantId}/${key.hostId}`) ?? null)
  }

  async update(sql: Sql, { key, patch, expectedVersion, current }: HostUpdate, now = this.#now()): Promise<Host> {
    if (
      current !== undefined &&
      current.version === expectedVersion &&
      current.tenantId === key.tenantId &&
      current.hostId === key.hostId
    ) {
      const next = await this.#write(sql, current, patch, now)
      if (next !== null) return next
    }
    const row = await this.#locked(sql, key, expectedVersion)
    const next = await this.#write(sql, hostFromRow(row), patch, now)
    if (next === null) throw movedUnderUs(row)
    return next
  }

  async updateMany(sql: Sql, updates: readonly HostUpdate[]): Promise<Host[]> {
    const now = this.#now()
    return eachInOrder(updates, (update) => this.update(sql, update, now))
  }

  /**
   * Hosts as the caller read them are locked and read again like keys: the row locks, taken in key order, are what
   * orders concurrent bulk writers here (version-guarded UPDATEs alone would lock in no fixed order and could
   * deadlock).
   */
  async setDesiredMany(sql: Sql, targets: DesiredTargets, patch: HostPatch): Promise<Host[]> {
    assertPatch(patch)
    if (!isDesiredWrite(patch)) throw invalidInput('a desired write must set desiredState, controlMode or dnsSuffix')
    const now = this.#now()
    const rows =
      'filter' in targets
        ? (await selectForUpdate(sql, targets.filter)).map((row, index) => ({ row, index }))
        : await lockByKeys(sql, 'hosts' in targets ? targets.hosts : targets.keys)
    return writeAll(sql, rows, patch, now)
  }

  async delete(sql: Sql, key: HostKey, expectedVersion?: number): Promise<void> {
    await this.#locked(sql, key, expectedVersion)
    await sql.run(STATEMENT_SQL.hostDelete, [key.tenantId, key.hostId])
  }

  async #locked(sql: Sql, key: HostKey, expectedVersion: number | undefined): Promise<HostRow> {
    assertKey(key)
    return checkedRow(key, await sql.row<HostRow>(LOCKED_HOST, [key.tenantId, key.hostId]), expectedVersion)
  }

  /** Writes `host` patched, only the changed columns; null when the version moved. */
  async #write(sql: Sql, host: Host, patch: HostPatch, now: Date): Promise<Host | null> {
    const next = applyHostPatch(host, patch, now)
    const { columns, params } = hostWriteOf(host, next, patch)
    try {
      return (await sql.run(updateSql(columns), params)) === 1 ? next : null
    } catch (err) {
      if (isRejectedValue(err))
        throw invalidInput('host values rejected by the database', { ...keyOf(host), cause: err })
      throw err
    }
  }
}

/** Runs the items one after the other (one connection); an InventoryError names the failing item's position. */
async function eachInOrder<I, O>(items: readonly I[], run: (item: I) => Promise<O>): Promise<O[]> {
  const results: O[] = []
  for (const [index, item] of items.entries()) {
    try {
      results.push(await run(item))
    } catch (err) {
      throw atIndex(index, err)
    }
  }
  return results
}
