/**
 * Tenant and host ids become MQTT topic segments, so they must never contain the
 * wildcards `+` / `#`, the separator `/`, NUL or be empty. We accept a UUID
 * (any case; SMBIOS UUIDs are often upper case) or a strict slug. A UUID is itself
 * a valid slug (36 characters of hex digits and dashes), so one pattern covers both;
 * it is exported so the generated JSON Schema carries the same rule.
 * Without zod (ids.ts holds the schemas): the topic builders and the agent use the rule alone.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export const ID_RULE = 'a UUID or 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit'

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value)
}
