import type { CreateTenantInput, Inventory, Tenant, TenantPatch } from '../inventory/port.ts'
import type { ActivationProfiles } from './publish/activation-profile.ts'

/** Tenant writes of this process (the API's, the demo's). */
export interface TenantWrites {
  createTenant(input: CreateTenantInput): Promise<Tenant>
  /** A changed password policy names the next `desired` of the tenant's hosts by the new policy. */
  updateTenant(tenantId: string, patch: TenantPatch): Promise<Tenant>
}

/**
 * Writes tenants in Inventory, then calls the tenant-write hook (`profiles.tenantWritten`): the profile names held in
 * memory follow at once, so no flow has to read a policy before it publishes `desired` (activation-profile.ts).
 */
export function tenantWrites(
  inventory: Pick<Inventory, 'createTenant' | 'updateTenant'>,
  profiles: ActivationProfiles,
): TenantWrites {
  return {
    async createTenant(input) {
      const tenant = await inventory.createTenant(input)
      profiles.tenantWritten(tenant)
      return tenant
    },
    async updateTenant(tenantId, patch) {
      const tenant = await inventory.updateTenant(tenantId, patch)
      profiles.tenantWritten(tenant)
      return tenant
    },
  }
}
