import { MAX_PAGE_SIZE, type Host, type Inventory } from '../../inventory/port.ts'

// provisional until the query helper merges (filters, sort and counts in SQL): every host of a tenant

export async function tenantHostsScan(inventory: Inventory, tenantId: string): Promise<Host[]> {
  const hosts: Host[] = []
  let cursor: string | undefined
  do {
    const page = await inventory.listHosts({ tenantId, limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) })
    hosts.push(...page.hosts)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return hosts
}
