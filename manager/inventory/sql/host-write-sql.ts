import { AlreadyExistsError, InventoryError, NotFoundError, VersionConflictError, invalidInput } from '../errors.ts'
import type { Host, HostKey, HostPatch } from '../port.ts'
import { HOST_COLUMNS, HOST_FIELD_COLUMNS, storedValue, type HostRow } from './rows.ts'

/** The parts of a host write every SQL adapter shares: version-guarded UPDATEs of the changed columns, checks. */

const KEY_COLUMNS = new Set<keyof HostRow>(['tenant_id', 'host_id'])
export const VALUE_COLUMNS = HOST_COLUMNS.filter((column) => !KEY_COLUMNS.has(column))

/** The UPDATE of these columns, guarded by the version the row was read at (the new version is the old one + 1). */
export function updateSql(columns: readonly (keyof HostRow)[]): string {
  const assignments = columns.map((column) => `${column} = @${column}`).join(', ')
  return `UPDATE hosts SET ${assignments} WHERE tenant_id = @tenant_id AND host_id = @host_id AND version = @version - 1`
}

/** What applyHostPatch may move besides the patch's own fields. */
const DERIVED_FIELDS: readonly (keyof Host)[] = [
  'statusTimestamp',
  'powerStatusTimestamp',
  'desiredGeneration',
  'lastSeq',
  'version',
  'updatedAt',
]

/** The UPDATE of a host: the columns it writes and the statement's parameters (the key, the version, the values). */
export interface HostWrite {
  columns: (keyof HostRow)[]
  params: Record<string, string | number | null>
}

/**
 * The columns `next` (= applyHostPatch(current, patch, now)) changes: only the patch's fields and the derived ones
 * are compared (a JSON field changes when it is a new value), and only the changed ones are encoded — no full rows.
 */
export function hostWriteOf(current: Host, next: Host, patch: HostPatch): HostWrite {
  const params: HostWrite['params'] = { tenant_id: next.tenantId, host_id: next.hostId, version: next.version }
  const columns: (keyof HostRow)[] = []
  const consider = (field: keyof Host): void => {
    const column = HOST_FIELD_COLUMNS[field]
    if (current[field] === next[field] || columns.includes(column)) return
    columns.push(column)
    params[column] = storedValue(next, field)
  }
  for (const field in patch) consider(field as keyof HostPatch)
  for (const field of DERIVED_FIELDS) consider(field)
  return { columns, params }
}

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
