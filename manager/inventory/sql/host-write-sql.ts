import { AlreadyExistsError, InventoryError, NotFoundError, VersionConflictError, invalidInput } from '../errors.ts'
import type { HostKey } from '../port.ts'
import { HOST_COLUMNS, type HostRow } from './rows.ts'

/** The parts of a host write every SQL adapter shares: version-guarded UPDATEs of the changed columns, checks. */

const KEY_COLUMNS = new Set<keyof HostRow>(['tenant_id', 'host_id'])
export const VALUE_COLUMNS = HOST_COLUMNS.filter((column) => !KEY_COLUMNS.has(column))

/** The UPDATE of these columns, guarded by the version the row was read at (the new version is the old one + 1). */
export function updateSql(columns: readonly (keyof HostRow)[]): string {
  const assignments = columns.map((column) => `${column} = @${column}`).join(', ')
  return `UPDATE hosts SET ${assignments} WHERE tenant_id = @tenant_id AND host_id = @host_id AND version = @version - 1`
}

/** The value columns whose stored value (`row`) differs from the written one (`after`). */
export const changedColumns = (row: HostRow, after: HostRow): (keyof HostRow)[] =>
  VALUE_COLUMNS.filter((column) => row[column] !== after[column])

/** The stored row, when it exists and has the expected version (if any); else NotFound or VersionConflict. */
export function checkedRow(key: HostKey, row: HostRow | undefined, expectedVersion: number | undefined): HostRow {
  if (row === undefined) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new VersionConflictError({
      tenantId: key.tenantId,
      hostId: key.hostId,
      expectedVersion,
      actualVersion: row.version,
    })
  }
  return row
}

/** A version-guarded write of a row read in the same transaction found no row: a guard, never expected. */
export const movedUnderUs = (row: HostRow): VersionConflictError =>
  new VersionConflictError({
    tenantId: row.tenant_id,
    hostId: row.host_id,
    expectedVersion: row.version,
    actualVersion: -1,
  })

/** An InventoryError of a batch's item, annotated with the item's position; anything else unchanged. */
export const atIndex = (index: number, err: unknown): unknown => (err instanceof InventoryError ? err.at(index) : err)

export const keyOf = ({ tenantId, hostId }: HostKey): HostKey => ({ tenantId, hostId })

/** What a failed statement violated, as the engine classifies its error. */
export type Violation = 'unique' | 'foreign-key' | 'rejected-value'

/** The failure of a host's INSERT: the host exists, its tenant does not, or a value the database refuses. */
export function hostInsertError(key: HostKey, violation: Violation | null, err: unknown): unknown {
  if (violation === 'unique') return new AlreadyExistsError('host', keyOf(key))
  if (violation === 'foreign-key') return new NotFoundError('tenant', { tenantId: key.tenantId })
  if (violation === 'rejected-value')
    return invalidInput('host values rejected by the database', { ...keyOf(key), cause: err })
  return err
}
