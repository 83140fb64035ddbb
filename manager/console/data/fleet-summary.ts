import type { Inventory } from '../../inventory/port.ts'
import type { HostCapability, HostCondition, HostFilter } from '../../inventory/host-filter.ts'

/** A tenant at a glance: how many hosts in each capability class and condition, online and offline. */
export interface FleetSummary {
  total: number
  capability: Record<HostCapability, number>
  condition: Record<HostCondition, number>
  online: number
  offline: number
}

/** The activation wave: hosts asked to be PROVISIONED (not being deleted), those done, those failed. */
export interface WaveCounts {
  targeted: number
  done: number
  failed: number
}

export interface FleetCounts {
  summary: FleetSummary
  wave: WaveCounts
}

/** How many hosts of the tenant match a filter (a one-row page that asks for the total). */
async function countOf(inventory: Inventory, tenantId: string, filter: HostFilter): Promise<number> {
  const page = await inventory.listHosts({ ...filter, tenantId, limit: 1, withTotal: true })
  return page.total ?? 0
}

/** The overview's numbers: the Inventory's summary and the wave's three counts, all counted in SQL. */
export async function fleetCounts(inventory: Inventory, tenantId: string): Promise<FleetCounts> {
  const targeted: HostFilter = { desiredState: 'PROVISIONED', deletion: 'none' }
  const [counts, wanted, done, failed, notSupported] = await Promise.all([
    inventory.summarizeHosts(tenantId),
    countOf(inventory, tenantId, targeted),
    countOf(inventory, tenantId, { ...targeted, condition: 'PROVISIONED' }),
    countOf(inventory, tenantId, { ...targeted, condition: 'FAILED' }),
    countOf(inventory, tenantId, { ...targeted, condition: 'NOT_SUPPORTED' }),
  ])
  const { total, online, offline, byCapability, byCondition } = counts
  return {
    summary: { total, online, offline, capability: byCapability, condition: byCondition },
    wave: { targeted: wanted, done, failed: failed + notSupported },
  }
}
