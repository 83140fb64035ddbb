import type { StatusIndication } from '../../../schemas/enums.ts'

/**
 * The status texts the manager writes into Inventory (amt_status + indicator). Where EMF has a string its UI
 * already knows, it is used verbatim (reference/inventory-and-dmt.md); failures append `: <detail>`.
 *
 *   text                                            indicator     written when
 *   AMT Activation In Progress                      IN_PROGRESS   state ACTIVATING (current generation)
 *   AMT Activation Done                             IDLE          state PROVISIONED (current generation)
 *   AMT Activation Failed: <name>: <message>        ERROR         state FAILED while desired is PROVISIONED
 *   AMT Activation Failed: no result from the agent within <deadline>   ERROR   activation deadline passed
 *   AMT Deactivation In Progress                    IN_PROGRESS   state DEACTIVATING (current generation)
 *   AMT deactivated                                 IDLE          state UNPROVISIONED while desired is UNPROVISIONED
 *   AMT deactivation failed: <name>: <message>      ERROR         state FAILED while desired is UNPROVISIONED
 *   AMT not activated                               IDLE          state UNPROVISIONED, activation never asked for
 *   AMT error: <name>: <message>                    ERROR         state FAILED, no desired state set
 *   AMT not supported: <reason>                     ERROR         capability not capable, or state NOT_SUPPORTED
 *   AMT deactivation pending: <why>                 IN_PROGRESS   deletion requested: waiting for the agent (or offline)
 *   AMT deactivation pending: deactivation failed: <name>: <message>   ERROR   state FAILED while deletion is pending
 *   Host deletion pending: <reason>                 ERROR         AMT is off but the host's secrets / RPS / MPS
 *                                                                 records could not be removed (DELETE again retries)
 *   Unknown                                         UNSPECIFIED   the Inventory default (nothing reported yet)
 */
export interface StatusText {
  status: string
  statusIndicator: StatusIndication
}

export const ACTIVATION_IN_PROGRESS: StatusText = {
  status: 'AMT Activation In Progress',
  statusIndicator: 'IN_PROGRESS',
}
export const ACTIVATION_DONE: StatusText = { status: 'AMT Activation Done', statusIndicator: 'IDLE' }
export const DEACTIVATION_IN_PROGRESS: StatusText = {
  status: 'AMT Deactivation In Progress',
  statusIndicator: 'IN_PROGRESS',
}
export const DEACTIVATED: StatusText = { status: 'AMT deactivated', statusIndicator: 'IDLE' }
export const NOT_ACTIVATED: StatusText = { status: 'AMT not activated', statusIndicator: 'IDLE' }

export const ACTIVATION_FAILED_PREFIX = 'AMT Activation Failed'
export const DEACTIVATION_FAILED_PREFIX = 'AMT deactivation failed'
export const ERROR_PREFIX = 'AMT error'
const NOT_SUPPORTED_PREFIX = 'AMT not supported'
const DEACTIVATION_PENDING_PREFIX = 'AMT deactivation pending'
const DELETION_PENDING_PREFIX = 'Host deletion pending'

const withDetail = (prefix: string, detail: string | undefined): string => (detail ? `${prefix}: ${detail}` : prefix)

export const activationFailed = (detail?: string): StatusText => ({
  status: withDetail(ACTIVATION_FAILED_PREFIX, detail),
  statusIndicator: 'ERROR',
})
export const deactivationFailed = (detail?: string): StatusText => ({
  status: withDetail(DEACTIVATION_FAILED_PREFIX, detail),
  statusIndicator: 'ERROR',
})
export const amtError = (detail?: string): StatusText => ({
  status: withDetail(ERROR_PREFIX, detail),
  statusIndicator: 'ERROR',
})
export const notSupported = (reason?: string): StatusText => ({
  status: withDetail(NOT_SUPPORTED_PREFIX, reason),
  statusIndicator: 'ERROR',
})
export const deactivationPending = (detail: string, statusIndicator: StatusIndication = 'IN_PROGRESS'): StatusText => ({
  status: withDetail(DEACTIVATION_PENDING_PREFIX, detail),
  statusIndicator,
})
export const deletionPending = (reason: string): StatusText => ({
  status: withDetail(DELETION_PENDING_PREFIX, reason),
  statusIndicator: 'ERROR',
})

export function activationDeadlinePassed(deadlineMs: number): StatusText {
  return activationFailed(`no result from the agent within ${formatDuration(deadlineMs)}`)
}

export function isNotSupportedStatus(status: string): boolean {
  return status === NOT_SUPPORTED_PREFIX || status.startsWith(`${NOT_SUPPORTED_PREFIX}:`)
}

/** "15 min", "90 s", "250 ms": for status texts. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`
  return `${ms} ms`
}
