import type { Logger } from '../../lib/log.ts'
import { NotFoundError } from '../inventory/errors.ts'
import type { Host, HostKey, HostPatch, Inventory, PowerState } from '../inventory/port.ts'
import { amtGuidOf } from './device-registration.ts'
import { DmtError } from './errors.ts'
import type { MpsPort } from './ports.ts'

/**
 * Power actions through MPS: the recovery path for a node whose OS is stuck (reset or power-cycle it without
 * physical access). Allowed only while the host's AMT is PROVISIONED (MPS reaches it over CIRA). Codes from
 * ../shared/reference/inventory-and-dmt.md.
 */

export const POWER_ACTIONS = ['on', 'off', 'reset', 'cycle', 'sleep', 'hibernate'] as const
export type PowerAction = (typeof POWER_ACTIONS)[number]

/** MPS power action codes. */
export const POWER_ACTION_CODES: Readonly<Record<PowerAction, number>> = { on: 2, sleep: 4, cycle: 5, hibernate: 7, off: 8, reset: 10 }

/** The EMF PowerState each action asks for (desiredPowerState). */
export const POWER_ACTION_STATES: Readonly<Record<PowerAction, PowerState>> = {
  on: 'ON',
  off: 'OFF',
  reset: 'RESET',
  cycle: 'POWER_CYCLE',
  sleep: 'SLEEP',
  hibernate: 'HIBERNATE',
}

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

export interface PowerDeps {
  inventory: Pick<Inventory, 'updateHost' | 'appendAudit'>
  /** The manager core's cached reads; refreshHost after each direct Inventory write (republishes status). */
  core: { getHost(key: HostKey): Promise<Host | null>; refreshHost(key: HostKey): Promise<Host | null> }
  mps: MpsPort
  log: Logger
}

export interface PowerActionResult {
  host: Host
  action: PowerAction
  code: number
  returnValue: number
  returnValueStr: string
}

export interface PowerReading {
  host: Host
  powerState: PowerState
  /** MPS's raw power-state code. */
  mpsPowerState: number
}

/**
 * Checks PROVISIONED → power status IN_PROGRESS (desiredPowerState set) → MPS action → IDLE "done" (current =
 * desired, as EMF does) or ERROR with the reason; audited either way. MPS failures are rethrown as DmtErrors.
 */
export async function requestPowerAction(deps: PowerDeps, key: HostKey, action: PowerAction, actor: string): Promise<PowerActionResult> {
  const host = await provisionedHost(deps, key)
  const guid = amtGuidOf(host)
  const code = POWER_ACTION_CODES[action]
  const desiredPowerState = POWER_ACTION_STATES[action]
  await write(deps, key, { desiredPowerState, powerStatus: `Power action ${action} in progress`, powerStatusIndicator: 'IN_PROGRESS' })
  let answer: { returnValue: number; returnValueStr: string }
  try {
    answer = await deps.mps.powerAction(guid, code)
    if (answer.returnValue !== 0) {
      throw new DmtError('POWER_ACTION_FAILED', `AMT answered ${answer.returnValueStr || 'an error'} (${answer.returnValue}) to power action ${action}`)
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    await write(deps, key, { powerStatus: `Power action ${action} failed: ${reason}`, powerStatusIndicator: 'ERROR' })
    await audit(deps, key, actor, { action, code, result: 'failed', reason })
    deps.log.warn({ ...key, action, code, reason }, 'power action failed')
    throw err
  }
  const stored = await write(deps, key, { currentPowerState: desiredPowerState, powerStatus: `Power action ${action} done`, powerStatusIndicator: 'IDLE' })
  await audit(deps, key, actor, { action, code, result: 'done', returnValue: answer.returnValue, returnValueStr: answer.returnValueStr })
  deps.log.info({ ...key, action, code, actor }, 'power action done')
  return { host: stored, action, code, ...answer }
}

/** Reads the power state from MPS; a changed state is stored as currentPowerState. */
export async function readPowerState(deps: PowerDeps, key: HostKey): Promise<PowerReading> {
  const host = await provisionedHost(deps, key)
  const mpsPowerState = await deps.mps.getPowerState(amtGuidOf(host))
  const powerState = powerStateOf(mpsPowerState)
  const stored = powerState === host.currentPowerState ? host : await write(deps, key, { currentPowerState: powerState })
  return { host: stored, powerState, mpsPowerState }
}

async function provisionedHost(deps: PowerDeps, key: HostKey): Promise<Host> {
  const host = await deps.core.getHost(key)
  if (host === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
  if (host.currentState !== 'PROVISIONED') {
    throw new DmtError('HOST_NOT_PROVISIONED', `host ${key.tenantId}/${key.hostId} is ${host.currentState}: power actions need AMT PROVISIONED`)
  }
  return host
}

async function write(deps: PowerDeps, key: HostKey, patch: HostPatch): Promise<Host> {
  const written = await deps.inventory.updateHost(key, patch)
  return (await deps.core.refreshHost(key)) ?? written
}

async function audit(deps: PowerDeps, key: HostKey, actor: string, detail: { [field: string]: string | number }): Promise<void> {
  try {
    await deps.inventory.appendAudit([{ ...key, kind: 'power.action', actor, detail }])
  } catch (err) {
    deps.log.error({ err, ...key }, 'audit append failed')
  }
}
