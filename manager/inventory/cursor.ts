import { invalidInput } from './errors.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type HostKey } from './port.ts'

/**
 * Keyset pagination over (tenantId, hostId): the cursor is the last key of the previous page, opaque to callers
 * (base64url of a JSON pair). Stable under concurrent inserts and deletes; every adapter uses the same form.
 */
export function encodeCursor({ tenantId, hostId }: HostKey): string {
  return Buffer.from(JSON.stringify([tenantId, hostId])).toString('base64url')
}

export function decodeCursor(cursor: string): HostKey {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string')) {
    throw invalidInput('invalid cursor')
  }
  const [tenantId, hostId] = parsed as [string, string]
  return { tenantId, hostId }
}

/** The page size asked for, validated; DEFAULT_PAGE_SIZE when absent. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw invalidInput(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`)
  return limit
}
