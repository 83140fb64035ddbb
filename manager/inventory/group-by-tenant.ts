import type { HostKey } from './port.ts'

/** Hosts grouped by tenant, in order of first appearance (Map.groupBy needs Node 21). */
export function groupByTenant<H extends HostKey>(hosts: readonly H[]): Map<string, H[]> {
  const groups = new Map<string, H[]>()
  for (const host of hosts) {
    const group = groups.get(host.tenantId)
    if (group) group.push(host)
    else groups.set(host.tenantId, [host])
  }
  return groups
}
