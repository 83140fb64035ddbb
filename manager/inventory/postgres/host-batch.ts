import { isValidId } from '../../../schemas/ids.ts'
import { NotFoundError, invalidInput } from '../errors.ts'
import { applyHostPatch, assertKey } from '../host-patch.ts'
import type { Host, HostKey, HostPatch } from '../port.ts'
import { VALUE_COLUMNS, atIndex, keyOf, movedUnderUs } from '../sql/host-write-sql.ts'
import { hostFromRow, hostToRow, type HostRow } from '../sql/rows.ts'
import { isRejectedValue } from './pg-error.ts'
import type { Sql } from './sql.ts'

/**
 * Bulk host writes on PostgreSQL in a few statements (not a round trip per host): rows are locked FOR UPDATE and
 * written BATCH_ROWS at a time, in one transaction of the caller's.
 */
const BATCH_ROWS = 1000

/** A locked row and the position of its first appearance in the caller's input (errors name it). */
interface IndexedRow {
  row: HostRow
  index: number
}

const BY_KEYS =
  'SELECT h.* FROM hosts h WHERE (h.tenant_id, h.host_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))'
// Locked in key order (the "C" collation of the keys is byte order, as JavaScript compares ASCII ids): two bulk
// writes over the same hosts queue on the first common one and never hold a row the other waits for.
const LOCK_BY_KEYS = `${BY_KEYS} ORDER BY h.tenant_id, h.host_id FOR UPDATE OF h`

const JSONB_COLUMNS = new Set<keyof HostRow>(['capability', 'last_seq', 'labels', 'policy_override', 'rotation'])

/**
 * The hosts of `keys` locked for this transaction, once each, in the order of their first appearance; the first
 * key (in input order) that is not valid or not stored fails the call, naming its position.
 */
export async function lockByKeys(sql: Sql, keys: readonly HostKey[]): Promise<IndexedRow[]> {
  const first = new Map<string, { key: HostKey; index: number }>()
  for (const [index, key] of keys.entries()) {
    const valid = isId(key.tenantId) && isId(key.hostId)
    if (valid && !first.has(idOf(key))) first.set(idOf(key), { key, index })
  }
  const rows = await rowsByKeys(
    sql,
    LOCK_BY_KEYS,
    [...first.values()].map(({ key }) => key),
  )
  const locked: IndexedRow[] = []
  for (const [index, key] of keys.entries()) {
    try {
      assertKey(key)
    } catch (err) {
      throw atIndex(index, err)
    }
    const row = rows.get(idOf(key))
    if (row === undefined) throw new NotFoundError('host', keyOf(key)).at(index)
    if (first.get(idOf(key))?.index === index) locked.push({ row, index })
  }
  return locked
}

/** The stored hosts of (valid) keys, by `tenantId/hostId`; a few statements, no lock. */
export async function readByKeys(sql: Sql, keys: readonly HostKey[]): Promise<Map<string, Host>> {
  const unique = new Map(keys.map((key) => [idOf(key), key]))
  const rows = await rowsByKeys(sql, BY_KEYS, [...unique.values()])
  return new Map([...rows].map(([id, row]) => [id, hostFromRow(row)]))
}

/** The rows of distinct keys, BATCH_ROWS keys per statement, taken in key order. */
async function rowsByKeys(sql: Sql, statement: string, keys: readonly HostKey[]): Promise<Map<string, HostRow>> {
  const rows = new Map<string, HostRow>()
  for (const part of chunks([...keys].sort(byKey))) {
    const params = [part.map((key) => key.tenantId), part.map((key) => key.hostId)]
    for (const row of await sql.rows<HostRow>(statement, params)) rows.set(idOf(keyOfRow(row)), row)
  }
  return rows
}

/**
 * Writes the patch to every locked row, BATCH_ROWS rows per UPDATE (the columns any of them changes), each row
 * guarded by the version it was locked at; returns the hosts as stored, in the rows' order.
 */
export async function writeAll(sql: Sql, rows: readonly IndexedRow[], patch: HostPatch, now: Date): Promise<Host[]> {
  const stored: Host[] = []
  for (const part of chunks(rows)) {
    const written = part.map(({ row, index }) => {
      try {
        const next = applyHostPatch(hostFromRow(row), patch, now)
        return { row, index, next, after: hostToRow(next) }
      } catch (err) {
        throw atIndex(index, err)
      }
    })
    // A column any row of the chunk changes is written for all of them (the others get their stored value again).
    const columns = VALUE_COLUMNS.filter((column) => written.some(({ row, after }) => row[column] !== after[column]))
    const values = written.map(({ after }) => recordOf(after, columns))
    let updated: { tenant_id: string; host_id: string }[]
    try {
      updated = await sql.rows(updateAllSql(columns), [JSON.stringify(values)])
    } catch (err) {
      const [head] = written
      if (head !== undefined && isRejectedValue(err))
        throw invalidInput('host values rejected by the database', { ...keyOf(head.next), cause: err }).at(head.index)
      throw err
    }
    if (updated.length !== written.length) {
      const done = new Set(updated.map((row) => idOf(keyOfRow(row))))
      const moved = written.find(({ row }) => !done.has(idOf(keyOfRow(row))))
      if (moved !== undefined) throw movedUnderUs(moved.row).at(moved.index)
    }
    stored.push(...written.map(({ next }) => next))
  }
  return stored
}

/**
 * One UPDATE of many rows: their values as one JSON array, typed by the table's own row type (so every column
 * arrives as what it is: bigint, boolean, jsonb, text), each row guarded by its version (the new one is old + 1).
 */
function updateAllSql(columns: readonly (keyof HostRow)[]): string {
  const assignments = columns.map((column) => `${column} = v.${column}`).join(', ')
  return `UPDATE hosts h SET ${assignments} FROM jsonb_populate_recordset(NULL::hosts, $1::jsonb) v
    WHERE h.tenant_id = v.tenant_id AND h.host_id = v.host_id AND h.version = v.version - 1
    RETURNING h.tenant_id, h.host_id`
}

/** The key, the new version and the written columns of a row; jsonb columns as their JSON, not as text. */
function recordOf(row: HostRow, columns: readonly (keyof HostRow)[]): Record<string, unknown> {
  const record: Record<string, unknown> = { tenant_id: row.tenant_id, host_id: row.host_id, version: row.version }
  for (const column of columns) {
    const value = row[column]
    record[column] = JSONB_COLUMNS.has(column) && typeof value === 'string' ? (JSON.parse(value) as unknown) : value
  }
  return record
}

function chunks<T>(items: readonly T[]): T[][] {
  const parts: T[][] = []
  for (let start = 0; start < items.length; start += BATCH_ROWS) parts.push(items.slice(start, start + BATCH_ROWS))
  return parts
}

const isId = (value: unknown): boolean => typeof value === 'string' && isValidId(value)
const idOf = ({ tenantId, hostId }: HostKey): string => `${tenantId}/${hostId}`
const keyOfRow = (row: { tenant_id: string; host_id: string }): HostKey => ({
  tenantId: row.tenant_id,
  hostId: row.host_id,
})
const byKey = (a: HostKey, b: HostKey): number =>
  a.tenantId === b.tenantId ? compare(a.hostId, b.hostId) : compare(a.tenantId, b.tenantId)
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
