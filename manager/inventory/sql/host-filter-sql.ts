import { invalidInput } from '../errors.ts'
import { labelKeyProblem, labelValueProblem, type LabelCondition } from '../labels.ts'
import type { HostFilter } from '../port.ts'
import type { HostDialect } from './host-condition-sql.ts'

/** A WHERE condition with its named parameters. */
export interface Clause {
  sql: string
  params: Record<string, string | number>
}

type FilterSql = { [K in keyof HostFilter]-?: (value: NonNullable<HostFilter[K]>, sql: HostDialect) => Clause }

const equals =
  (expression: string, param: string) =>
  (value: string): Clause => ({ sql: `${expression} = @${param}`, params: { [param]: value } })

/** `%` `_` `\` match themselves in a LIKE pattern with ESCAPE '\'. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`)

/**
 * Each filter field → its SQL condition; the host list ANDs them in this table's order (one prepared statement
 * per combination). Constant values are inlined where an index needs to see them: `deletion = 'pending'` (a
 * partial index), a pending rotation (another one) and `online` (TRUE / FALSE: 1 / 0 in SQLite, a boolean in
 * PostgreSQL). A search ignores the case of ASCII letters only (SQLite's LIKE; PostgreSQL's ILIKE on columns of the
 * "C" collation).
 */
const FILTER_SQL: FilterSql = {
  tenantId: equals('tenant_id', 'tenantId'),
  desiredState: equals('desired_state', 'desiredState'),
  currentState: equals('current_state', 'currentState'),
  statusIndicator: equals('status_indicator', 'statusIndicator'),
  deletion: (value) =>
    value === 'pending' ? { sql: `deletion = 'pending'`, params: {} } : equals('deletion', 'deletion')(value),
  sku: equals('sku', 'sku'),
  controlMode: equals('control_mode', 'controlMode'),
  online: (value) => ({ sql: `online = ${value ? 'TRUE' : 'FALSE'}`, params: {} }),
  phase: equals('phase', 'phase'),
  capability: (value, sql) => equals(sql.capability, 'capability')(value),
  condition: (value, sql) => equals(sql.condition, 'condition')(value),
  search: (value, { like }) => ({
    sql: `(host_id ${like} @search ESCAPE '\\' OR name ${like} @search ESCAPE '\\')`,
    params: { search: `%${likeLiteral(value)}%` },
  }),
  labels: (conditions, { label }) => labelClause(conditions, label),
  // Inlined as the partial index hosts_rotation_pending states it (its only reader is the `true` form).
  rotationPending: (pending, { rotationState }) => ({
    sql: pending ? `${rotationState} = 'pending'` : `(rotation IS NULL OR ${rotationState} <> 'pending')`,
    params: {},
  }),
}

/** Each label condition: its value equals, or (no value) it is present; keys and values checked (labels.ts). */
function labelClause(conditions: readonly LabelCondition[], label: (param: string) => string): Clause {
  const parts: string[] = []
  const params: Record<string, string> = {}
  conditions.forEach(({ key, value }, index) => {
    const problem = labelKeyProblem(key) ?? (value === undefined ? null : labelValueProblem(key, value))
    if (problem !== null) throw invalidInput(problem)
    params[`label${index}`] = key
    if (value === undefined) parts.push(`${label(`label${index}`)} IS NOT NULL`)
    else {
      parts.push(`${label(`label${index}`)} = @labelValue${index}`)
      params[`labelValue${index}`] = value
    }
  })
  return { sql: parts.length === 0 ? 'TRUE' : `(${parts.join(' AND ')})`, params }
}

const FIELDS = Object.keys(FILTER_SQL) as (keyof HostFilter)[]

/** The filter's conditions, in table order; fields that are absent add none. */
export function filterClauses(filter: HostFilter, sql: HostDialect): Clause[] {
  const clauses: Clause[] = []
  for (const field of FIELDS) {
    const value = filter[field]
    if (value === undefined) continue
    clauses.push((FILTER_SQL[field] as (value: unknown, sql: HostDialect) => Clause)(value, sql))
  }
  return clauses
}
