import type { Host, HostPage, HostPageRequest, Inventory } from '../../inventory/port.ts'
import { hostCapability, hostCondition } from './host-condition.ts'
import { filterOfQuery, type HostTableFilter, type HostTableQuery } from './host-table-query.ts'
import { tenantHostsScan } from './tenant-hosts-scan.ts'

/** One page of the hosts table and how many hosts match its filters. */
export interface HostTablePage extends HostPage {
  total: number
}

// provisional until the query helper merges: only the unfiltered hostId order is read page by page from the
// Inventory; a filtered or re-sorted page scans the tenant and pages by offset.

function inventoryRequestOf(tenantId: string, query: HostTableQuery): HostPageRequest {
  return { tenantId, limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) }
}

export async function hostTablePage(
  inventory: Inventory,
  tenantId: string,
  query: HostTableQuery,
): Promise<HostTablePage> {
  const filter = filterOfQuery(query)
  if (Object.keys(filter).length > 0 || query.sort !== 'hostId') return scannedPage(inventory, tenantId, query, filter)
  const [page, counts] = await Promise.all([
    inventory.listHosts(inventoryRequestOf(tenantId, query)),
    inventory.countHosts({ tenantId }),
  ])
  return { ...page, total: counts.reduce((sum, { count }) => sum + count, 0) }
}

const SORT_VALUES: Record<string, (host: Host) => string | number> = {
  hostId: (host) => host.hostId,
  name: (host) => host.name,
  condition: hostCondition,
  capability: hostCapability,
  currentState: (host) => host.currentState,
  online: (host) => (host.online ? 1 : 0),
  lastSeen: (host) => host.lastSeen ?? '',
  statusTimestamp: (host) => host.statusTimestamp,
}

const matches = (host: Host, filter: HostTableFilter): boolean =>
  (filter.capability === undefined || hostCapability(host) === filter.capability) &&
  (filter.condition === undefined || hostCondition(host) === filter.condition) &&
  (filter.sku === undefined || host.sku === filter.sku) &&
  (filter.controlMode === undefined || host.controlMode === filter.controlMode) &&
  (filter.online === undefined || host.online === filter.online) &&
  (filter.phase === undefined || host.phase === filter.phase) &&
  (filter.search === undefined || `${host.hostId}\n${host.name}`.toLowerCase().includes(filter.search.toLowerCase()))

async function scannedPage(
  inventory: Inventory,
  tenantId: string,
  query: HostTableQuery,
  filter: HostTableFilter,
): Promise<HostTablePage> {
  const descending = query.sort.startsWith('-')
  const valueOf = SORT_VALUES[query.sort.replace(/^-/, '')] ?? SORT_VALUES['hostId']!
  const direction = descending ? -1 : 1
  const rows = (await tenantHostsScan(inventory, tenantId))
    .filter((host) => matches(host, filter))
    .map((host) => ({ host, value: valueOf(host) }))
    .sort((a, b) => direction * (compare(a.value, b.value) || compare(a.host.hostId, b.host.hostId)))
  const offset = offsetOf(query.cursor)
  const end = offset + query.limit
  return {
    hosts: rows.slice(offset, end).map(({ host }) => host),
    nextCursor: end < rows.length ? Buffer.from(JSON.stringify(['offset', end])).toString('base64url') : null,
    total: rows.length,
  }
}

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0)

function offsetOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && parsed[0] === 'offset' && Number.isSafeInteger(parsed[1])) return Number(parsed[1])
  } catch {
    // not one of ours: the first page
  }
  return 0
}
