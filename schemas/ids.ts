import { z } from 'zod'

/**
 * Tenant and host ids become MQTT topic segments, so they must never contain the
 * wildcards `+` / `#`, the separator `/`, NUL or be empty. We accept a UUID
 * (any case; SMBIOS UUIDs are often upper case) or a strict slug.
 */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export const ID_RULE = 'a UUID or 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit'

export function isValidId(value: string): boolean {
  return UUID.test(value) || SLUG.test(value)
}

export const TenantId = z.string().refine(isValidId, { message: `tenantId must be ${ID_RULE}` })
export const HostId = z.string().refine(isValidId, { message: `hostId must be ${ID_RULE}` })
export type TenantId = z.infer<typeof TenantId>
export type HostId = z.infer<typeof HostId>
