import type { HostPage, Inventory } from '../../inventory/port.ts'
import { filterOfQuery, type HostTableQuery } from './host-table-query.ts'

/** One page of the hosts table and how many hosts match its filters. */
export interface HostTablePage extends HostPage {
  total: number
}

/** The table's page: one Inventory query (filters, sort, keyset page and the total, all in SQL). */
export async function hostTablePage(
  inventory: Inventory,
  tenantId: string,
  query: HostTableQuery,
): Promise<HostTablePage> {
  const { limit, sort, cursor, label } = query
  const { label: _texts, ...fields } = filterOfQuery(query)
  const page = await inventory.listHosts({
    ...fields,
    ...(label === undefined ? {} : { labels: label }),
    tenantId,
    limit,
    sort,
    withTotal: true,
    ...(cursor === undefined ? {} : { cursor }),
  })
  return { ...page, total: page.total ?? page.hosts.length }
}
