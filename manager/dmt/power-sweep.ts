import type { Host, Inventory } from '../inventory/port.ts'
import { amtGuidOf } from './device-registration.ts'
import { createHostSweep, type HostSweep, type SweepOptions } from './host-sweep.ts'
import type { PowerDeps } from './power-deps.ts'
import { storeReading } from './power-state.ts'
import { OTHER_TENANT } from './ports.ts'

/**
 * The power-state refresh: every `intervalSeconds`, the PROVISIONED hosts are read from MPS, `concurrency` at a
 * time (host-sweep.ts; the first round after one interval). Only a device MPS holds for us and reports connected
 * over CIRA is read (`GET /devices/{guid}` first): an unregistered or disconnected one keeps its last reading, whose
 * age the view shows. The agent's MQTT link does not matter (AMT answers while the OS hangs).
 */

type PowerSweepOptions = SweepOptions

export interface SweepResult {
  read: number
  notRegistered: number
  notConnected: number
  failed: number
}

export type PowerSweep = HostSweep<SweepResult>

export interface PowerSweepDeps {
  power: PowerDeps
  inventory: Pick<Inventory, 'listHosts'>
  options: PowerSweepOptions
  /** Called after every scheduled sweep (tests wait on it). */
  onSweep?: (result: SweepResult) => void
}

export function createPowerSweep({ power, inventory, options, onSweep }: PowerSweepDeps): PowerSweep {
  const log = power.log

  const visit = async (host: Host, result: SweepResult): Promise<void> => {
    try {
      const device = await power.mps.getDevice(amtGuidOf(host))
      if (device === null || device === OTHER_TENANT) result.notRegistered += 1
      else if (!device.connectionStatus) result.notConnected += 1
      else {
        await storeReading(power, host)
        result.read += 1
      }
    } catch (err) {
      result.failed += 1
      const reason = err instanceof Error ? err.message : String(err)
      log.debug({ tenantId: host.tenantId, hostId: host.hostId, reason }, 'power state not read')
    }
  }

  return createHostSweep({
    name: 'power sweep',
    inventory,
    options,
    log,
    begin: () => ({ read: 0, notRegistered: 0, notConnected: 0, failed: 0 }),
    visit,
    end: (result) => {
      if (result.failed > 0) log.warn({ ...result }, 'power sweep: some power states could not be read from MPS')
      else log.debug({ ...result }, 'power sweep done')
    },
    ...(onSweep ? { onSweep } : {}),
  })
}
