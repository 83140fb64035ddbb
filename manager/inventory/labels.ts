/**
 * Host labels: key/value strings an operator sets (`site=berlin`), the way Kubernetes labels are written. A key is
 * an optional DNS-subdomain prefix and `/`, then a name; a value is empty or a name. The rules return the problem in
 * words (null when fine), so the API, the CLI and the Inventory say the same thing.
 */
export type Labels = Readonly<Record<string, string>>

const MAX_LABELS = 64
const NAME_MAX = 63
const PREFIX_MAX = 253
/** 1-63 letters, digits, `-`, `_`, `.`; begins and ends with a letter or digit. */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/
/** Lower-case DNS labels separated by dots. */
const DNS_SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/

const NAME_RULE = `1-${NAME_MAX} letters, digits, "-", "_" or "." beginning and ending with a letter or digit`

export function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf('/')
  const name = slash === -1 ? key : key.slice(slash + 1)
  if (slash !== -1) {
    const prefix = key.slice(0, slash)
    if (prefix.length === 0 || prefix.length > PREFIX_MAX || !DNS_SUBDOMAIN.test(prefix))
      return `label key ${quote(key)}: the prefix before "/" must be a lower-case DNS subdomain of at most ${PREFIX_MAX} characters`
  }
  if (name.length === 0 || name.length > NAME_MAX || !NAME.test(name))
    return `label key ${quote(key)}: the name must be ${NAME_RULE}`
  return null
}

export function labelValueProblem(key: string, value: unknown): string | null {
  if (typeof value !== 'string') return `label ${quote(key)}: the value must be a string`
  if (value === '' || (value.length <= NAME_MAX && NAME.test(value))) return null
  return `label ${quote(key)}: the value must be empty or ${NAME_RULE}`
}

/** The first problem of a whole label map (at most MAX_LABELS entries), or null. */
export function labelsProblem(labels: unknown): string | null {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return 'labels must be an object'
  const entries = Object.entries(labels as Record<string, unknown>)
  if (entries.length > MAX_LABELS) return `a host has at most ${MAX_LABELS} labels (${entries.length} given)`
  for (const [key, value] of entries) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(key, value)
    if (problem !== null) return problem
  }
  return null
}

/** `labels` with `set` merged in and the keys of `remove` taken out, keys sorted (a stable stored form). */
export function editedLabels(labels: Labels, set: Labels, remove: readonly string[]): Labels {
  const next: Record<string, string> = { ...labels, ...set }
  for (const key of remove) delete next[key]
  return sortedLabels(next)
}

export function sortedLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Every `key: value` of the selector is among the labels (exact values). */
export function labelsMatch(labels: Labels, selector: Labels): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value)
}

const quote = (text: string): string => JSON.stringify(text.slice(0, 80))

/** A label condition of a host list: `key=value`, or `key` present (any value) when `value` is absent. */
export interface LabelCondition {
  key: string
  value?: string
}

/** `site=berlin` → { key: 'site', value: 'berlin' }; `site` → { key: 'site' }; the problem in words when invalid. */
export function parseLabelCondition(text: string): LabelCondition | string {
  const equals = text.indexOf('=')
  const key = equals === -1 ? text : text.slice(0, equals)
  const problem = labelKeyProblem(key)
  if (problem !== null) return problem
  if (equals === -1) return { key }
  const value = text.slice(equals + 1)
  return labelValueProblem(key, value) ?? { key, value }
}

/** The text of a condition, as parseLabelCondition reads it: `site=berlin`, or `site`. */
export const labelConditionText = ({ key, value }: LabelCondition): string =>
  value === undefined ? key : `${key}=${value}`
