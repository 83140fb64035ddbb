import type { AgentPhase, AmtState, ObservedControlMode } from '../../../schemas/enums.ts'
import type { StateFacts } from '../facts.ts'
import type { Host } from '../../inventory/port.ts'
import {
  ACTIVATION_DONE,
  ACTIVATION_IN_PROGRESS,
  activationFailed,
  amtError,
  deactivationFailed,
  DEACTIVATED,
  DEACTIVATION_IN_PROGRESS,
  NOT_ACTIVATED,
  notSupported,
  type StatusText,
} from './status-texts.ts'

/**
 * Reported phase → current AMT state. Settled phases say it outright; while an operation runs or after it
 * failed, the firmware's control mode (from the same report) is the truth: CCM/ACM → PROVISIONED,
 * PRE_PROVISIONING → UNPROVISIONED, UNKNOWN (or a gRPC agent, which does not say) → unchanged.
 *
 *   phase          current state
 *   PROVISIONED    PROVISIONED
 *   UNPROVISIONED  UNPROVISIONED
 *   NOT_SUPPORTED  UNPROVISIONED
 *   ACTIVATING     from the control mode
 *   DEACTIVATING   from the control mode
 *   FAILED         from the control mode (a failed deactivation usually leaves AMT PROVISIONED)
 */
const CURRENT_STATE_OF_PHASE: Readonly<Record<AgentPhase, AmtState | 'from-control-mode'>> = {
  PROVISIONED: 'PROVISIONED',
  UNPROVISIONED: 'UNPROVISIONED',
  NOT_SUPPORTED: 'UNPROVISIONED',
  ACTIVATING: 'from-control-mode',
  DEACTIVATING: 'from-control-mode',
  FAILED: 'from-control-mode',
}

const CURRENT_STATE_OF_CONTROL_MODE: Readonly<Record<ObservedControlMode, AmtState | null>> = {
  CCM: 'PROVISIONED',
  ACM: 'PROVISIONED',
  PRE_PROVISIONING: 'UNPROVISIONED',
  UNKNOWN: null,
}

export function currentStateOf(facts: StateFacts, stored: AmtState): AmtState {
  const byPhase = CURRENT_STATE_OF_PHASE[facts.phase]
  if (byPhase !== 'from-control-mode') return byPhase
  return CURRENT_STATE_OF_CONTROL_MODE[facts.controlMode ?? 'UNKNOWN'] ?? stored
}

/**
 * The status text of a report about the host's CURRENT desired generation (see handlers/state.ts for reports
 * about an older one). FAILED is read against what was asked: activation, deactivation, or nothing.
 *
 *   phase          desired          status (indicator)
 *   ACTIVATING     any              AMT Activation In Progress (IN_PROGRESS)
 *   PROVISIONED    any              AMT Activation Done (IDLE)
 *   DEACTIVATING   any              AMT Deactivation In Progress (IN_PROGRESS)
 *   UNPROVISIONED  UNPROVISIONED    AMT deactivated (IDLE)
 *   UNPROVISIONED  other            AMT not activated (IDLE)
 *   FAILED         PROVISIONED      AMT Activation Failed: <rpc name>: <message> (ERROR)
 *   FAILED         UNPROVISIONED    AMT deactivation failed: <rpc name>: <message> (ERROR)
 *   FAILED         UNSPECIFIED      AMT error: <rpc name>: <message> (ERROR)
 *   NOT_SUPPORTED  any              AMT not supported: <reason> (ERROR)
 */
export function statusOfCurrentReport(facts: StateFacts, desired: Host['desiredState']): StatusText {
  switch (facts.phase) {
    case 'ACTIVATING':
      return ACTIVATION_IN_PROGRESS
    case 'PROVISIONED':
      return ACTIVATION_DONE
    case 'DEACTIVATING':
      return DEACTIVATION_IN_PROGRESS
    case 'UNPROVISIONED':
      return desired === 'UNPROVISIONED' ? DEACTIVATED : NOT_ACTIVATED
    case 'NOT_SUPPORTED':
      return notSupported(facts.reason ?? facts.error?.message)
    case 'FAILED': {
      const detail = failureDetail(facts)
      if (desired === 'PROVISIONED') return activationFailed(detail)
      return desired === 'UNPROVISIONED' ? deactivationFailed(detail) : amtError(detail)
    }
  }
}

/** "<rpc name>: <message>" from the rpc error; the agent's reason when there is no rpc error. */
export function failureDetail(facts: StateFacts): string {
  if (facts.error) return facts.error.message ? `${facts.error.name}: ${facts.error.message}` : facts.error.name
  return facts.reason ?? 'unknown error'
}
