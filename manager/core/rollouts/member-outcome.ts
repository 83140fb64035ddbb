import { hostCapability } from '../host-condition.ts'
import { ACTIVATION_FAILED_PREFIX, DEACTIVATION_FAILED_PREFIX, ERROR_PREFIX } from '../publish/status-texts.ts'
import type { Host } from '../../inventory/port.ts'
import type { DesiredStateAction } from '../../rollouts/rollout.ts'

/** A member's outcome as the host record shows it. */
export type Outcome =
  | { status: 'succeeded' }
  | { status: 'failed'; errorName: string }
  | { status: 'not-supported' }
  | { status: 'skipped' }

/** What to do with a pending member whose turn came. */
export type Turn = Outcome | { status: 'start' } | { status: 'adopt'; generation: number }

const FAILURE_PREFIXES = [ACTIVATION_FAILED_PREFIX, DEACTIVATION_FAILED_PREFIX, ERROR_PREFIX]
export const RPC_NAME = /^([A-Za-z][A-Za-z0-9_]*)(?::|$)/

/**
 * The rpc error name of a failed host's status ("AMT Activation Failed: ActivationFailed: …" → ActivationFailed,
 * as the state reducer writes it); `fallback` when the status carries none (a passed deadline, an agent's reason).
 */
export function errorNameOf(status: string, fallback: string): string {
  for (const prefix of FAILURE_PREFIXES) {
    if (!status.startsWith(`${prefix}: `)) continue
    const name = RPC_NAME.exec(status.slice(prefix.length + 2))?.[1]
    if (name !== undefined) return name
  }
  return fallback
}

/** Failed members whose agent finished on the generation in the asked state but in the other control mode. */
const CONTROL_MODE_MISMATCH = 'ControlModeMismatch'

/**
 * The control mode AMT is in: what the agent last reported (its confirming amtinfo) when it said CCM or ACM; the
 * desired one when it said nothing usable (a gRPC agent, UNKNOWN, or no report yet), as nothing better is known.
 */
const controlModeOf = (host: Host): string =>
  host.reportedControlMode === 'CCM' || host.reportedControlMode === 'ACM' ? host.reportedControlMode : host.controlMode

/** The action asks a control mode, and the host (in the asked state) is in another one. */
const otherControlMode = (host: Host, action: DesiredStateAction): boolean =>
  action.state === 'PROVISIONED' && action.controlMode !== undefined && controlModeOf(host) !== action.controlMode

const inTarget = (host: Host, action: DesiredStateAction): boolean =>
  host.currentState === action.state && host.statusIndicator !== 'ERROR' && !otherControlMode(host, action)

const busy = (host: Host): boolean => host.phase === 'ACTIVATING' || host.phase === 'DEACTIVATING'

/**
 * The outcome of a member the rollout started at desired `generation`, or null while it is in progress:
 * - the host is gone: failed (HostDeleted);
 * - the node cannot do AMT: not supported (whatever the generation: a property of the device);
 * - the agent reported on the generation (observedGeneration >= it): the target state (and control mode, as the
 *   agent reports it) → succeeded; an error (FAILED, ERROR) → failed with the rpc error name from the status; the
 *   operation over (not ACTIVATING/DEACTIVATING) with AMT in the target state but in the other control mode →
 *   failed (ControlModeMismatch): an agent that cannot upgrade CCM to ACM, or that gave up, never gets there;
 * - no report, but the activation deadline closed the request with an error: failed (DeadlinePassed).
 */
export function outcomeOf(host: Host | null, generation: number, action: DesiredStateAction): Outcome | null {
  if (host === null) return { status: 'failed', errorName: 'HostDeleted' }
  if (hostCapability(host) === 'NONE') return { status: 'not-supported' }
  if (host.observedGeneration >= generation) {
    if (host.phase === 'FAILED' || host.statusIndicator === 'ERROR')
      return { status: 'failed', errorName: errorNameOf(host.status, 'Failed') }
    if (busy(host)) return null
    if (inTarget(host, action)) return { status: 'succeeded' }
    if (host.currentState === action.state && otherControlMode(host, action))
      return { status: 'failed', errorName: CONTROL_MODE_MISMATCH }
    return null
  }
  if (host.statusIndicator === 'ERROR' && host.activationRequestedAt === null && action.state === 'PROVISIONED')
    return { status: 'failed', errorName: errorNameOf(host.status, 'DeadlinePassed') }
  return null
}

/**
 * A pending member's turn: gone → failed (HostDeleted); being deleted → failed (HostDeleting); not capable →
 * not supported; already in the target state (nothing asked since) → skipped, never started; the same desired
 * already under way (a start whose record a restart lost, or a request made before) → adopted at its generation;
 * otherwise started.
 */
export function turnOf(host: Host | null, action: DesiredStateAction): Turn {
  if (host === null) return { status: 'failed', errorName: 'HostDeleted' }
  if (host.deletion === 'pending') return { status: 'failed', errorName: 'HostDeleting' }
  if (hostCapability(host) === 'NONE') return { status: 'not-supported' }
  const settled = host.observedGeneration >= host.desiredGeneration
  if (host.desiredState === action.state && !settled && host.statusIndicator !== 'ERROR')
    return { status: 'adopt', generation: host.desiredGeneration }
  if (settled && !busy(host) && inTarget(host, action)) return { status: 'skipped' }
  return { status: 'start' }
}
