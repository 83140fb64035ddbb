/**
 * Who the caller is, from its verified JWT and its metadata (reference/southbound-grpc.md, "Transport and
 * identity of the caller"). Pure rules:
 *
 *   1. `activeprojectid` metadata values that are UUIDs name the tenant; two different ones → UNAUTHENTICATED.
 *   2. Without one, the tenant is the UUID prefix of the token's `realm_access.roles` entries `<uuid>_en-agent-rw`;
 *      none → UNAUTHENTICATED, more than one distinct UUID → UNAUTHENTICATED.
 *   3. The token must hold `<tenant>_en-agent-rw` or `<tenant>_en-ob`, else PERMISSION_DENIED.
 *
 * UUIDs compare case-insensitively; the tenant id is lower case (as EMF project ids are).
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const UUID_ONLY = new RegExp(`^${UUID}$`, 'i')
const AGENT_ROLE = new RegExp(`^(${UUID})_en-agent-rw$`, 'i')
const ALLOWED_ROLE_SUFFIXES = ['_en-agent-rw', '_en-ob'] as const

export type TenantVerdict =
  { ok: true; tenantId: string } | { ok: false; status: 'UNAUTHENTICATED' | 'PERMISSION_DENIED'; reason: string }

export function tenantOf(roles: readonly string[], activeProjectIds: readonly string[]): TenantVerdict {
  const projects = distinct(activeProjectIds.filter((id) => UUID_ONLY.test(id)))
  if (projects.length > 1) return { ok: false, status: 'UNAUTHENTICATED', reason: 'more than one activeprojectid' }
  const candidates =
    projects.length === 1 ? projects : distinct(roles.flatMap((role) => AGENT_ROLE.exec(role)?.[1] ?? []))
  const [tenantId, ...others] = candidates
  if (tenantId === undefined)
    return {
      ok: false,
      status: 'UNAUTHENTICATED',
      reason: 'no tenant: no UUID activeprojectid and no <uuid>_en-agent-rw role',
    }
  if (others.length > 0) return { ok: false, status: 'UNAUTHENTICATED', reason: 'the token names more than one tenant' }
  const granted = new Set(roles.map((role) => role.toLowerCase()))
  if (!ALLOWED_ROLE_SUFFIXES.some((suffix) => granted.has(`${tenantId}${suffix}`))) {
    return { ok: false, status: 'PERMISSION_DENIED', reason: `no ${tenantId}_en-agent-rw or ${tenantId}_en-ob role` }
  }
  return { ok: true, tenantId }
}

const distinct = (ids: readonly string[]): string[] => [...new Set(ids.map((id) => id.toLowerCase()))]
