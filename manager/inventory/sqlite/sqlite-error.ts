import type { Violation } from '../sql/host-write-sql.ts'
import { InventoryError } from '../errors.ts'

/** The SQLite extended result code of a better-sqlite3 error (e.g. 'SQLITE_CONSTRAINT_UNIQUE'), else null. */
function sqliteCode(err: unknown): string | null {
  if (!(err instanceof Error) || !('code' in err)) return null
  const { code } = err
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null
}

export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err)
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

function isForeignKeyViolation(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

export function isCheckViolation(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_CHECK'
}

export function violationOf(err: unknown): Violation | null {
  if (isUniqueViolation(err)) return 'unique'
  if (isForeignKeyViolation(err)) return 'foreign-key'
  return isCheckViolation(err) ? 'rejected-value' : null
}

/** Driver failures become INVENTORY_STORAGE_FAILED; InventoryErrors and programming errors pass unchanged. */
export function asInventoryError(err: unknown): Error {
  if (sqliteCode(err) !== null) {
    const reason = err instanceof Error ? err.message : String(err)
    return new InventoryError('INVENTORY_STORAGE_FAILED', `inventory storage failed: ${reason}`, { cause: err })
  }
  return err instanceof Error ? err : new Error(String(err))
}
