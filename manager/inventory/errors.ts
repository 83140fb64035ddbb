/**
 * Stable codes of Inventory failures (every adapter throws these, never a driver error):
 * - INVENTORY_NOT_FOUND: the tenant, host or credential does not exist
 * - INVENTORY_ALREADY_EXISTS: a tenant or host with that id, or a credential with that username, exists already
 * - INVENTORY_VERSION_CONFLICT: the host changed since the caller read it (expectedVersion differs); re-read, retry
 * - INVENTORY_TENANT_NOT_EMPTY: a tenant still has hosts and cannot be deleted
 * - INVENTORY_INVALID_INPUT: an id, cursor, timestamp or patch the Inventory cannot accept
 * - INVENTORY_SCHEMA_TOO_NEW: the database was written by a newer version of this software; nothing was changed
 * - INVENTORY_MIGRATION_FAILED: a schema migration step failed and was rolled back (cause attached)
 * - INVENTORY_STORAGE_FAILED: the database itself failed (disk full, lock wait timed out, corruption; cause attached)
 * - INVENTORY_CLOSED: the Inventory was closed
 */
export const INVENTORY_ERROR_CODES = [
  'INVENTORY_NOT_FOUND',
  'INVENTORY_ALREADY_EXISTS',
  'INVENTORY_VERSION_CONFLICT',
  'INVENTORY_TENANT_NOT_EMPTY',
  'INVENTORY_INVALID_INPUT',
  'INVENTORY_SCHEMA_TOO_NEW',
  'INVENTORY_MIGRATION_FAILED',
  'INVENTORY_STORAGE_FAILED',
  'INVENTORY_CLOSED',
] as const
export type InventoryErrorCode = (typeof INVENTORY_ERROR_CODES)[number]

export type InventoryEntity = 'tenant' | 'host' | 'credential' | 'group'

/** What went wrong, for logs and API answers. Never contains a secret. */
export interface InventoryErrorDetails {
  entity?: InventoryEntity
  tenantId?: string
  hostId?: string
  username?: string
  /** A host group's name. */
  group?: string
  expectedVersion?: number
  actualVersion?: number
  /** Position of the failing item in a batch (updateHosts, createHosts, setDesiredMany by keys). */
  index?: number
  cause?: unknown
}

export class InventoryError extends Error {
  override readonly name: string = 'InventoryError'
  readonly code: InventoryErrorCode
  readonly details: Omit<InventoryErrorDetails, 'cause'>

  constructor(code: InventoryErrorCode, message: string, details: InventoryErrorDetails = {}) {
    const { cause, ...rest } = details
    super(message, cause === undefined ? undefined : { cause })
    this.code = code
    this.details = rest
  }

  /** The same error, annotated with its position in a batch. */
  at(index: number): this {
    Object.assign(this.details, { index })
    return this
  }
}

export class NotFoundError extends InventoryError {
  override readonly name = 'NotFoundError'
  constructor(entity: InventoryEntity, details: Omit<InventoryErrorDetails, 'entity'>) {
    super('INVENTORY_NOT_FOUND', `${entity} not found${describe(details)}`, { ...details, entity })
  }
}

export class AlreadyExistsError extends InventoryError {
  override readonly name = 'AlreadyExistsError'
  constructor(entity: InventoryEntity, details: Omit<InventoryErrorDetails, 'entity'>) {
    super('INVENTORY_ALREADY_EXISTS', `${entity} already exists${describe(details)}`, { ...details, entity })
  }
}

export class VersionConflictError extends InventoryError {
  override readonly name = 'VersionConflictError'
  constructor(details: { tenantId: string; hostId: string; expectedVersion: number; actualVersion: number }) {
    super(
      'INVENTORY_VERSION_CONFLICT',
      `host changed concurrently${describe(details)}: expected version ${details.expectedVersion}, found ${details.actualVersion}`,
      { ...details, entity: 'host' },
    )
  }
}

export function invalidInput(message: string, details: InventoryErrorDetails = {}): InventoryError {
  return new InventoryError('INVENTORY_INVALID_INPUT', message, details)
}

/** A group's stored version differs from the one the caller read. */
export const groupVersionConflict = (tenantId: string, group: string, expected: number, actual: number) =>
  new InventoryError(
    'INVENTORY_VERSION_CONFLICT',
    `group changed concurrently${describe({ tenantId, group })}: expected version ${expected}, found ${actual}`,
    { entity: 'group', tenantId, group, expectedVersion: expected, actualVersion: actual },
  )

function describe({ tenantId, hostId, username, group }: InventoryErrorDetails): string {
  const parts = [
    tenantId === undefined ? '' : `tenant ${quote(tenantId)}`,
    group === undefined ? '' : `group ${quote(group)}`,
    hostId === undefined ? '' : `host ${quote(hostId)}`,
    username === undefined ? '' : `username ${quote(username)}`,
  ].filter(Boolean)
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`
}

const quote = (value: string): string => JSON.stringify(value.slice(0, 64))
