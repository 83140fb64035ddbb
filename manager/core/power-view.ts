import { PowerActionOutcome, PowerViewState } from '../../schemas/enums.ts'
import type { Host, PowerState } from '../inventory/port.ts'

/**
 * A host's power as users see it: the state last read from MPS with the time of that reading, and the last power
 * action apart from it. An action is never shown as a state: only a reading from MPS sets the state (power-state.ts
 * in manager/dmt); MPS's transitional codes (9, 14) read as `power-cycle-pending` / `reset-pending`.
 */

export const POWER_VIEW_STATES = PowerViewState.options

export const POWER_ACTION_OUTCOMES = PowerActionOutcome.options

interface PowerActionView {
  /** The power state the action asked for (desiredPowerState). */
  requested: PowerState
  outcome: PowerActionOutcome
  /** e.g. "Power action reset failed: MPS rejected …" */
  message: string
  /** When the outcome was written (ISO). */
  at: string
}

export interface PowerView {
  powerState: PowerViewState
  /** When the state was read from MPS (ISO); null: never read, the state is `unknown`. */
  powerStateReadAt: string | null
  /** The last power action; null when none was ever requested. */
  powerAction: PowerActionView | null
}

const VIEW_STATES: Readonly<Record<PowerState, PowerViewState>> = {
  UNSPECIFIED: 'unknown',
  ON: 'on',
  OFF: 'off',
  SLEEP: 'sleep',
  HIBERNATE: 'hibernate',
  RESET: 'reset-pending',
  RESET_REPEAT: 'reset-pending',
  POWER_CYCLE: 'power-cycle-pending',
}

const OUTCOMES: Readonly<Partial<Record<Host['powerStatusIndicator'], PowerActionOutcome>>> = {
  IN_PROGRESS: 'pending',
  IDLE: 'done',
  ERROR: 'failed',
}

export function powerViewOf(host: Host): PowerView {
  const outcome = OUTCOMES[host.powerStatusIndicator]
  return {
    powerState: host.powerStateReadAt === null ? 'unknown' : VIEW_STATES[host.currentPowerState],
    powerStateReadAt: host.powerStateReadAt,
    powerAction:
      outcome === undefined
        ? null
        : {
            requested: host.desiredPowerState,
            outcome,
            message: host.powerStatus,
            at: new Date(host.powerStatusTimestamp * 1000).toISOString(),
          },
  }
}
