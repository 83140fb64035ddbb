import { InventoryError, invalidInput } from '../errors.ts'
import { assertId } from '../host-patch.ts'
import type {
  CreateTenantInput,
  DeviceCredential,
  PutCredentialInput,
  StateCount,
  Tenant,
  TenantPatch,
} from '../port.ts'
import type { CountRow } from './statements-sql.ts'

/** The rules of tenants, credentials and host counts every SQL adapter applies around its statements. */

const POLICIES = new Set(['static', 'random'])

export function newTenant(input: CreateTenantInput, now: Date): Tenant {
  assertId('tenantId', input.tenantId)
  const tenant: Tenant = {
    tenantId: input.tenantId,
    name: input.name ?? input.tenantId,
    passwordPolicy: input.passwordPolicy ?? 'random',
    createdAt: now.toISOString(),
  }
  assertTenant(tenant)
  return tenant
}

export function patchedTenant(tenant: Tenant, patch: TenantPatch): Tenant {
  const next = { ...tenant, ...definedOf(patch) }
  assertTenant(next)
  return next
}

export const tenantNotEmpty = (tenantId: string): InventoryError =>
  new InventoryError('INVENTORY_TENANT_NOT_EMPTY', `tenant ${JSON.stringify(tenantId)} still has hosts`, {
    entity: 'tenant',
    tenantId,
  })

export function newCredential(input: PutCredentialInput, now: Date): DeviceCredential {
  if (typeof input.username !== 'string' || input.username.length === 0 || input.username.length > 256) {
    throw invalidInput('username must be 1-256 characters')
  }
  if (typeof input.passwordHash !== 'string' || input.passwordHash.length === 0)
    throw invalidInput('passwordHash must not be empty')
  const { tenantId, hostId, username, passwordHash } = input
  return { tenantId, hostId, username, passwordHash, createdAt: now.toISOString() }
}

export function stateCountOf(row: CountRow): StateCount {
  return {
    desiredState: row.desired_state as StateCount['desiredState'],
    currentState: row.current_state as StateCount['currentState'],
    statusIndicator: row.status_indicator as StateCount['statusIndicator'],
    phase: row.phase as StateCount['phase'],
    count: row.count,
  }
}

function assertTenant(tenant: Tenant): void {
  if (typeof tenant.name !== 'string' || tenant.name.length > 128)
    throw invalidInput('tenant name must be at most 128 characters')
  if (!POLICIES.has(tenant.passwordPolicy)) throw invalidInput("passwordPolicy must be 'static' or 'random'")
}

function definedOf<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>
}
