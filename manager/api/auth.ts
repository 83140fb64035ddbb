import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from './errors.ts'
import { assertCsrf } from './sessions/csrf.ts'
import { sessionIdOf } from './sessions/session-cookie.ts'
import type { ActiveSession, SessionStore } from './sessions/session-store.ts'
import { isGlobal, verifyToken, type Principal } from './tokens/api-token.ts'
import type { Role, TokenStore } from './tokens/token-store.ts'

/**
 * Who may call what. Every /api/v1 route declares an access level in its config:
 *   read          any token (viewer, operator, admin) of the route's tenant
 *   write         operator or admin of the route's tenant
 *   admin         admin of the route's tenant (tenant-scoped admins manage their tenant's tokens)
 *   global-admin  admin with tenant scope `*` (tenants)
 * A caller is identified by a Bearer token or, without one, by the web console's session cookie (sessions/).
 * Order of checks: token or session (401 UNAUTHENTICATED) → a session's CSRF token on a state-changing call (403
 * CSRF_REJECTED) → tenant scope (404 TENANT_NOT_FOUND, the same answer as for a
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
    /** The console session that authenticated the request; null for a Bearer token or an anonymous caller. */
    consoleSession: ActiveSession | null
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

/** Where callers are looked up: API tokens, and the console's sessions (each opened with a token). */
export interface Callers {
  tokens: TokenStore
  sessions: SessionStore
}

/** The authenticated caller: the principal, and the session when the cookie (not a Bearer token) said who. */
export interface Caller {
  principal: Principal
  session: ActiveSession | null
}

/**
 * Who sent the request: the principal of its Bearer token (which wins when a session cookie comes too), else of
 * its live session whose token still exists; null when neither. A session whose token was revoked is ended here.
 */
export async function identify(callers: Callers, request: FastifyRequest): Promise<Caller | null> {
  const match = BEARER.exec(request.headers.authorization ?? '')
  if (match?.[1] !== undefined) {
    const principal = await verifyToken(callers.tokens, match[1])
    return principal === null ? null : { principal, session: null }
  }
  const id = sessionIdOf(request)
  const session = id === undefined ? null : await callers.sessions.use(id)
  if (id === undefined || session === null) return null
  const token = await callers.tokens.get(session.tokenId)
  if (token === null) {
    await callers.sessions.end(id)
    return null
  }
  return { principal: { tokenId: token.id, name: token.name, role: token.role, tenant: token.tenant }, session }
}

/** The onRequest hook of the /api/v1 scope: authenticates, checks a session's CSRF token, tenant scope, role. */
export function createAuthHook(callers: Callers) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const access = request.routeOptions.config.access ?? 'global-admin'
    const caller = await identify(callers, request)
    if (caller === null) throw new ApiError('UNAUTHENTICATED')
    const { principal } = caller
    request.principal = principal
    request.consoleSession = caller.session
    assertCsrf(request)
    const { tenantId } = (request.params ?? {}) as { tenantId?: unknown }
    if (typeof tenantId === 'string') assertTenantVisible(principal, tenantId)
    if (!allows(principal, access))
      throw new ApiError(
        'FORBIDDEN',
        `role ${principal.role}${isGlobal(principal) ? '' : ' (tenant-scoped)'} may not do this (needs ${access})`,
      )
  }
}
