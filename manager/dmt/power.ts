import type { AppendAuditInput, HostKey, Host, PowerState } from '../inventory/port.ts'
import { amtGuidOf } from './device-registration.ts'
import { DmtError } from './errors.ts'
import { provisionedHost, writePower, type PowerDeps } from './power-deps.ts'
import { POWER_ACTION_CODES, type PowerAction } from './power-actions.ts'
import { storeReading } from './power-state.ts'

export { type PowerAction } from './power-actions.ts'

/**
 * Power actions through MPS: the recovery path for a node whose OS is stuck (reset or power-cycle it without
 * physical access). Allowed only while the host's AMT is PROVISIONED (MPS reaches it over CIRA). The actions and
 * their MPS codes: power-actions.ts.
 */

/** The EMF PowerState each action asks for (desiredPowerState; never written as the current state). */
const POWER_ACTION_STATES: Readonly<Record<PowerAction, PowerState>> = {
  on: 'ON',
  off: 'OFF',
  reset: 'RESET',
  cycle: 'POWER_CYCLE',
  sleep: 'SLEEP',
  hibernate: 'HIBERNATE',
  'soft-off': 'OFF',
  'soft-reset': 'RESET',
}

export interface PowerActionResult {
  host: Host
  action: PowerAction
  code: number
  returnValue: number
  returnValueStr: string
}

/**
 * Checks PROVISIONED → power status IN_PROGRESS (desiredPowerState set; the view's `powerAction: pending`) → MPS
 * action → IDLE "done" or ERROR with the reason; audited either way. After a done action the power state is read
 * back from MPS (a failed read is logged; the state then keeps its older reading and age). MPS failures are rethrown
 * as DmtErrors.
 */
export async function requestPowerAction(
  deps: PowerDeps,
  key: HostKey,
  action: PowerAction,
  actor: string,
): Promise<PowerActionResult> {
  const host = await provisionedHost(deps, key)
  const guid = amtGuidOf(host)
  const code = POWER_ACTION_CODES[action]
  const desiredPowerState = POWER_ACTION_STATES[action]
  await writePower(deps, key, {
    desiredPowerState,
    powerStatus: `Power action ${action} in progress`,
    powerStatusIndicator: 'IN_PROGRESS',
  })
  let answer: { returnValue: number; returnValueStr: string }
  try {
    answer = await deps.mps.powerAction(guid, code)
    if (answer.returnValue !== 0) {
      throw new DmtError(
        'POWER_ACTION_FAILED',
        `AMT answered ${answer.returnValueStr || 'an error'} (${answer.returnValue}) to power action ${action}`,
      )
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    const failed = { powerStatus: `Power action ${action} failed: ${reason}`, powerStatusIndicator: 'ERROR' as const }
    await writePower(deps, key, failed, audit(key, actor, { action, code, result: 'failed', reason }))
    deps.log.warn({ ...key, action, code, reason }, 'power action failed')
    throw err
  }
  const { returnValue, returnValueStr } = answer
  const doneAudit = audit(key, actor, { action, code, result: 'done', returnValue, returnValueStr })
  const doneStatus = { powerStatus: `Power action ${action} done`, powerStatusIndicator: 'IDLE' as const }
  const done = await writePower(deps, key, doneStatus, doneAudit)
  deps.log.info({ ...key, action, code, actor }, 'power action done')
  return { host: await readAfterAction(deps, done), action, code, ...answer }
}

async function readAfterAction(deps: PowerDeps, host: Host): Promise<Host> {
  try {
    return (await storeReading(deps, host)).host
  } catch (err) {
    deps.log.warn(
      { tenantId: host.tenantId, hostId: host.hostId, reason: err instanceof Error ? err.message : String(err) },
      'power state not read after the action',
    )
    return host
  }
}

type PowerAuditDetail = { [field: string]: string | number }

/** The action's audit event, appended by the write path with the write (a failed append is logged, not fatal). */
function audit({ tenantId, hostId }: HostKey, actor: string, detail: PowerAuditDetail): AppendAuditInput[] {
  return [{ tenantId, hostId, kind: 'power.action', actor, detail }]
}
