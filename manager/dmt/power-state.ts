import type { Host, HostKey, PowerState } from '../inventory/port.ts'
import { amtGuidOf } from './device-registration.ts'
import { provisionedHost, writePower, type PowerDeps } from './power-deps.ts'

/**
 * Reading a host's power state from MPS (`GET /api/v1/amt/power/state/{guid}`): stored as `currentPowerState` with
 * the time of the reading (`powerStateReadAt`). The only writer of the state: an action never sets it.
 */

const MPS_POWER_STATES: ReadonlyMap<number, PowerState> = new Map([
  [2, 'ON'],
  [3, 'SLEEP'],
  [4, 'SLEEP'],
  [6, 'OFF'],
  [8, 'OFF'],
  [12, 'OFF'],
  [13, 'OFF'],
  [7, 'HIBERNATE'],
  [9, 'POWER_CYCLE'],
  [14, 'RESET'],
])

/** MPS power-state code → PowerState (UNSPECIFIED for codes MPS does not document). */
export const powerStateOf = (code: number): PowerState => MPS_POWER_STATES.get(code) ?? 'UNSPECIFIED'

export interface PowerReading {
  host: Host
  powerState: PowerState
  /** MPS's raw power-state code. */
  mpsPowerState: number
}

/** Reads the power state from MPS and stores it with the reading's time. */
export async function readPowerState(deps: PowerDeps, key: HostKey): Promise<PowerReading> {
  return storeReading(deps, await provisionedHost(deps, key))
}

/** The same for a host already in hand (the sweep, after an action). */
export async function storeReading(deps: PowerDeps, host: Host): Promise<PowerReading> {
  const mpsPowerState = await deps.mps.getPowerState(amtGuidOf(host))
  const powerState = powerStateOf(mpsPowerState)
  const stored = await writePower(deps, host, {
    currentPowerState: powerState,
    powerStateReadAt: new Date(deps.now()).toISOString(),
  })
  return { host: stored, powerState, mpsPowerState }
}
