/**
 * MPS's device validator (express-validator in MPS v2.34: `devices` routes), modelled independently of the
 * manager's own rule (schemas/dns-suffix.ts) so a drift between the two shows up in the tests that run both over
 * the same cases (test/fixtures/dns-suffix-cases.ts).
 */

export interface FieldError {
  path: string
  msg: string
  value: unknown
}

/**
 * validator.js `isFQDN(value, { require_tld: false })`, as MPS calls it for `dnsSuffix`: labels of letters, digits,
 * hyphens (and non-ASCII letters), at most 63 characters, no hyphen at either end, no underscore, no empty label;
 * the last label not all digits. No length limit on the whole name, no TLD required.
 */
function isFqdnWithoutTld(value: string): boolean {
  const labels = value.split('.')
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return false
  return labels.every(
    (label) =>
      label.length <= 63 &&
      /^[a-z\u00a1-\uffff0-9-]+$/i.test(label) &&
      !/[\uff01-\uff5e]/.test(label) &&
      !/^-|-$/.test(label),
  )
}

const optionalString = (fields: Record<string, unknown>, path: string, msg: string): FieldError[] => {
  const value = fields[path]
  return value === undefined || value === null || typeof value === 'string' ? [] : [{ path, msg, value }]
}

/** The errors MPS reports for a device body (POST/PATCH /api/v1/devices), in its order; [] when valid. */
export function deviceErrors(fields: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = []
  const { guid, hostname, tags, dnsSuffix } = fields
  if (typeof guid !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(guid)) {
    errors.push({ path: 'guid', msg: 'GUID must be a UUID', value: guid })
  }
  errors.push(...optionalString(fields, 'hostname', 'hostname must be a string'))
  if (typeof hostname === 'string' && hostname.length > 255)
    errors.push({ path: 'hostname', msg: 'hostname must be at most 255 characters', value: hostname })
  errors.push(...optionalString(fields, 'friendlyName', 'friendlyName must be a string'))
  if (tags !== undefined && tags !== null && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))) {
    errors.push({ path: 'tags', msg: 'tags must be an array of strings', value: tags })
  }
  errors.push(...optionalString(fields, 'mpsusername', 'mpsusername must be a string'))
  errors.push(...optionalString(fields, 'tenantId', 'tenantId must be a string'))
  if (
    dnsSuffix !== undefined &&
    dnsSuffix !== null &&
    (typeof dnsSuffix !== 'string' || (dnsSuffix !== '' && !isFqdnWithoutTld(dnsSuffix)))
  ) {
    errors.push({ path: 'dnsSuffix', msg: 'dnsSuffix must be a valid DNS suffix', value: dnsSuffix })
  }
  return errors
}
