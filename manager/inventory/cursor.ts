import { invalidInput } from './errors.ts'
import { DEFAULT_HOST_SORT, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type HostKey, type HostSort } from './port.ts'

/** The value of the sort key at a cursor's host (absent for the default sort, whose key is the host key). */
export type SortValue = string | number

export interface HostCursor extends HostKey {
  value?: SortValue
}

/**
 * Keyset pagination over (sort key, tenantId, hostId): the cursor is the position of the last host of the
 * previous page, opaque to callers (base64url of JSON): `[tenantId, hostId]` for the default sort,
 * `[sort, value, tenantId, hostId]` for any other. Stable under concurrent inserts and deletes; every adapter
 * uses the same form. A cursor is only valid with the sort it was made for.
 */
export function encodeCursor({ tenantId, hostId }: HostKey, sorted?: { sort: HostSort; value: SortValue }): string {
  const parts = sorted === undefined ? [tenantId, hostId] : [sorted.sort, sorted.value, tenantId, hostId]
  return Buffer.from(JSON.stringify(parts)).toString('base64url')
}

export function decodeCursor(cursor: string, sort: HostSort = DEFAULT_HOST_SORT): HostCursor {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  if (!Array.isArray(parsed) || (parsed.length !== 2 && parsed.length !== 4)) throw invalidInput('invalid cursor')
  const madeFor = parsed.length === 2 ? DEFAULT_HOST_SORT : (parsed[0] as unknown)
  if (madeFor !== sort) throw invalidInput(`the cursor belongs to another sort than ${JSON.stringify(sort)}`)
  const [tenantId, hostId] = parsed.slice(-2) as unknown[]
  if (typeof tenantId !== 'string' || typeof hostId !== 'string') throw invalidInput('invalid cursor')
  if (parsed.length === 2) return { tenantId, hostId }
  const value = parsed[1] as unknown
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidInput('invalid cursor')
  return { tenantId, hostId, value }
}

/** The page size asked for, validated; DEFAULT_PAGE_SIZE when absent. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw invalidInput(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`)
  return limit
}
