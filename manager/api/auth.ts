import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from './errors.ts'
import { isGlobal, verifyToken, type Principal } from './tokens/api-token.ts'
import type { Role, TokenStore } from './tokens/token-store.ts'

/**
 * Who may call what. Every /api/v1 route declares an access level in its config:
 *   read          any token (viewer, operator, admin) of the route's tenant
 *   write         operator or admin of the route's tenant
 *   admin         admin of the route's tenant (tenant-scoped admins manage their tenant's tokens)
 *   global-admin  admin with tenant scope `*` (tenants)
 * Order of checks: token (401 UNAUTHENTICATED) → tenant scope (404 TENANT_NOT_FOUND, the same answer as for a
 * tenant that does not exist, so a token learns nothing about other tenants) → role (403 FORBIDDEN).
 * A route without a declared level is treated as global-admin (deny by default).
 */
type Access = 'read' | 'write' | 'admin' | 'global-admin'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 }
const NEEDED: Record<Access, Role> = { read: 'viewer', write: 'operator', admin: 'admin', 'global-admin': 'admin' }
const BEARER = /^Bearer +(\S+) *$/i

function allows(principal: Principal, access: Access): boolean {
  if (access === 'global-admin' && !isGlobal(principal)) return false
  return ROLE_RANK[principal.role] >= ROLE_RANK[NEEDED[access]]
}

export function hasRole(principal: Principal, role: Role): boolean {
  return ROLE_RANK[principal.role] >= ROLE_RANK[role]
}

export function canSeeTenant(principal: Principal, tenantId: string): boolean {
  return isGlobal(principal) || principal.tenant === tenantId
}

/** Throws TENANT_NOT_FOUND when the token may not see the tenant. */
export function assertTenantVisible(principal: Principal, tenantId: string): void {
  if (!canSeeTenant(principal, tenantId)) throw new ApiError('TENANT_NOT_FOUND')
}

/** The authenticated caller of a /api/v1 route (the auth hook ran). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new ApiError('UNAUTHENTICATED')
  return request.principal
}

/** The audit actor of the caller: `api:<token name>`. */
export const actorOf = (request: FastifyRequest): string => `api:${principalOf(request).name}`

/** Who sent the request: the principal of its bearer token, or null (no token, or not a valid one). */
export async function identify(tokens: TokenStore, request: FastifyRequest): Promise<Principal | null> {
  const match = BEARER.exec(request.headers.authorization ?? '')
  return match?.[1] === undefined ? null : await verifyToken(tokens, match[1])
}

/** The onRequest hook of the /api/v1 scope: authenticates, then checks tenant scope, then role. */
export function createAuthHook(tokens: TokenStore) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const access = request.routeOptions.config.access ?? 'global-admin'
    const principal = await identify(tokens, request)
    if (principal === null) throw new ApiError('UNAUTHENTICATED')
    request.principal = principal
    const { tenantId } = (request.params ?? {}) as { tenantId?: unknown }
    if (typeof tenantId === 'string') assertTenantVisible(principal, tenantId)
    if (!allows(principal, access))
      throw new ApiError(
        'FORBIDDEN',
        `role ${principal.role}${isGlobal(principal) ? '' : ' (tenant-scoped)'} may not do this (needs ${access})`,
      )
  }
}
