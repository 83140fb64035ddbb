import { invalidInput } from '../errors.ts'
import { HOST_SORT_KEYS, type HostSort, type HostSortKey } from '../port.ts'
import type { HostDialect } from './host-condition-sql.ts'

/**
 * Each sort key → the SQL expression it orders by (never NULL, so a keyset comparison holds); null for hostId,
 * whose order is the host key itself. Ties are broken by (tenant_id, host_id) in the same direction.
 */
const SORT_SQL: Readonly<Record<HostSortKey, string | null | ((dialect: HostDialect) => string)>> = {
  hostId: null,
  name: 'name',
  condition: (dialect) => dialect.condition,
  capability: (dialect) => dialect.capability,
  currentState: 'current_state',
  online: 'online',
  lastSeen: `coalesce(last_seen, '')`,
  statusTimestamp: 'status_timestamp',
}

export interface SortSql {
  /** The expression of the sort key; null: the host key alone. */
  expression: string | null
  descending: boolean
}

export function sortSql(sort: HostSort, dialect: HostDialect): SortSql {
  const descending = sort.startsWith('-')
  const key = (descending ? sort.slice(1) : sort) as HostSortKey
  if (!HOST_SORT_KEYS.includes(key)) throw invalidInput(`unknown sort ${JSON.stringify(sort)}`)
  const expression = SORT_SQL[key]
  return { expression: typeof expression === 'function' ? expression(dialect) : expression, descending }
}
