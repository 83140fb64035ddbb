import { z } from 'zod'
import { HostId, TenantId } from '../../schemas/ids.ts'

type Role = 'device' | 'manager' | 'integrator'

/**
 * Who a connection is. device: bound to one tenant + host. manager: everything under amt/v1/.
 * integrator: read-only, one tenant (tenantId set) or all tenants (tenantId absent).
 */
export interface Principal {
  id: string
  role: Role
  tenantId?: string
  hostId?: string
}

/** The role-specific part of a principal, validated (used by credential files and stores). */
export const PrincipalScope = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('device'), tenantId: TenantId, hostId: HostId }),
  z.strictObject({ role: z.literal('manager') }),
  z.strictObject({ role: z.literal('integrator'), tenantId: TenantId.optional() }),
])
export type PrincipalScope = z.infer<typeof PrincipalScope>

export function principalOf(id: string, scope: PrincipalScope): Principal {
  switch (scope.role) {
    case 'device':
      return { id, role: 'device', tenantId: scope.tenantId, hostId: scope.hostId }
    case 'manager':
      return { id, role: 'manager' }
    case 'integrator':
      return scope.tenantId === undefined
        ? { id, role: 'integrator' }
        : { id, role: 'integrator', tenantId: scope.tenantId }
  }
}
