import pg from 'pg'
import { InventoryError, invalidInput } from '../errors.ts'
import type { Violation } from '../sql/host-write-sql.ts'
import { connectionFailure } from './sql.ts'

/** The SQLSTATE of a statement's failure (e.g. '23505'), else null. */
function sqlState(err: unknown): string | null {
  return err instanceof pg.DatabaseError && typeof err.code === 'string' ? err.code : null
}

export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === '23505'
export const isForeignKeyViolation = (err: unknown): boolean => sqlState(err) === '23503'

/** A value the database cannot hold: a CHECK, a NUL character in text or JSON, a malformed value. */
export const isRejectedValue = (err: unknown): boolean =>
  ['23514', '22021', '22P05', '22P02'].includes(sqlState(err) ?? '')

export function violationOf(err: unknown): Violation | null {
  if (isUniqueViolation(err)) return 'unique'
  if (isForeignKeyViolation(err)) return 'foreign-key'
  return isRejectedValue(err) ? 'rejected-value' : null
}

/**
 * Driver failures become InventoryErrors: values the database rejects → INVALID_INPUT, everything else
 * (connections, deadlocks, timeouts, serialisation) → STORAGE_FAILED with the server's message, which never holds
 * a password (it is not in the URL, and statements carry none). InventoryErrors and programming errors pass.
 */
export function asInventoryError(err: unknown): Error {
  if (isRejectedValue(err)) return invalidInput('values rejected by the database', { cause: err })
  if (sqlState(err) !== null) {
    const reason = err instanceof Error ? err.message : String(err)
    return new InventoryError('INVENTORY_STORAGE_FAILED', `inventory storage failed: ${reason}`, { cause: err })
  }
  const failure = connectionFailure(err)
  if (failure !== null) return failure
  return err instanceof Error ? err : new Error(String(err))
}
