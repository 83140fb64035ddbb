import type { Inventory } from '../../inventory/port.ts'
import type { HostCapability, HostCondition, HostSummaryFilter } from '../../inventory/host-filter.ts'

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

/** The hosts a wave counts: asked to be PROVISIONED, not being deleted. */
const TARGETED: HostSummaryFilter = { desiredState: 'PROVISIONED', deletion: 'none' }

/**
 * The activation wave's three counts from one grouped query over the targeted hosts (the recorder counts it every
 * 2 s during a wave: one scan of the tenant's rows, not one per count).
 */
export async function waveCounts(inventory: Inventory, tenantId: string): Promise<WaveCounts> {
  const { total, byCondition } = await inventory.summarizeHosts(tenantId, TARGETED)
  return { targeted: total, done: byCondition.PROVISIONED, failed: byCondition.FAILED + byCondition.NOT_SUPPORTED }
}

/** The overview's numbers: the Inventory's summary and the wave's three counts, counted in SQL (two queries). */
export async function fleetCounts(inventory: Inventory, tenantId: string): Promise<FleetCounts> {
  const [counts, wave] = await Promise.all([inventory.summarizeHosts(tenantId), waveCounts(inventory, tenantId)])
  const { total, online, offline, byCapability, byCondition } = counts
  return { summary: { total, online, offline, capability: byCapability, condition: byCondition }, wave }
}
