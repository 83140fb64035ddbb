import type { Inventory } from '../../inventory/port.ts'
import {
  HOST_CAPABILITIES,
  HOST_CONDITIONS,
  hostCapability,
  hostCondition,
  type HostCapability,
  type HostCondition,
} from './host-condition.ts'
import { tenantHostsScan } from './tenant-hosts-scan.ts'

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

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>

/** The overview's numbers, all from one read. provisional until the query helper merges: a scan of the tenant. */
export async function fleetCounts(inventory: Inventory, tenantId: string): Promise<FleetCounts> {
  const hosts = await tenantHostsScan(inventory, tenantId)
  const summary: FleetSummary = {
    total: hosts.length,
    capability: zeros(HOST_CAPABILITIES),
    condition: zeros(HOST_CONDITIONS),
    online: 0,
    offline: 0,
  }
  const wave: WaveCounts = { targeted: 0, done: 0, failed: 0 }
  for (const host of hosts) {
    const condition = hostCondition(host)
    summary.capability[hostCapability(host)] += 1
    summary.condition[condition] += 1
    if (host.online) summary.online += 1
    else summary.offline += 1
    if (host.desiredState !== 'PROVISIONED' || host.deletion !== 'none') continue
    wave.targeted += 1
    if (condition === 'PROVISIONED') wave.done += 1
    else if (condition === 'FAILED' || condition === 'NOT_SUPPORTED') wave.failed += 1
  }
  return { summary, wave }
}
