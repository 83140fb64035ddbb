import { z } from 'zod'

/**
 * Enums mirror the EMF Inventory (../shared/reference/inventory-and-dmt.md). On our wire they travel as names;
 * the numbers are kept for the gRPC bridge and for tools that speak EMF.
 */
const AMT_STATE_NUMBERS = { UNSPECIFIED: 0, PROVISIONED: 1, UNPROVISIONED: 2, DISCONNECTED: 3 } as const
const AMT_SKU_NUMBERS = { UNSPECIFIED: 0, AMT: 1, ISM: 2 } as const
const AMT_CONTROL_MODE_NUMBERS = { UNSPECIFIED: 0, ACM: 1, CCM: 2 } as const
const STATUS_INDICATION_NUMBERS = { UNSPECIFIED: 0, ERROR: 1, IN_PROGRESS: 2, IDLE: 3 } as const

const names = <T extends Record<string, number>>(numbers: T) =>
  Object.keys(numbers) as [keyof T & string, ...(keyof T & string)[]]

export const AmtState = z.enum(names(AMT_STATE_NUMBERS))
export const AmtSku = z.enum(names(AMT_SKU_NUMBERS))
export const AmtControlMode = z.enum(names(AMT_CONTROL_MODE_NUMBERS))
export const StatusIndication = z.enum(names(STATUS_INDICATION_NUMBERS))
export type AmtState = z.infer<typeof AmtState>
export type AmtSku = z.infer<typeof AmtSku>
export type AmtControlMode = z.infer<typeof AmtControlMode>
export type StatusIndication = z.infer<typeof StatusIndication>

/** The agent's reconciliation phase, reported on `state`. */
export const AgentPhase = z.enum([
  'UNPROVISIONED',
  'ACTIVATING',
  'PROVISIONED',
  'DEACTIVATING',
  'FAILED',
  'NOT_SUPPORTED',
])
export type AgentPhase = z.infer<typeof AgentPhase>

/** What the firmware says about activation, normalised from rpc v2 and v3 strings. */
export const ObservedControlMode = z.enum(['PRE_PROVISIONING', 'CCM', 'ACM', 'UNKNOWN'])
export type ObservedControlMode = z.infer<typeof ObservedControlMode>

/** `ras.remoteStatus` of amtinfo: the CIRA connection to MPS. */
export const RasRemoteStatus = z.enum(['not connected', 'connecting', 'connected', 'unknown'])
export type RasRemoteStatus = z.infer<typeof RasRemoteStatus>

/** Classes of rpc failure: transient ones are retried with backoff, permanent ones end in FAILED. */
export const ErrorClass = z.enum(['transient', 'permanent'])
export type ErrorClass = z.infer<typeof ErrorClass>

/** EMF PowerState (reference/inventory-and-dmt.md): what a power action asks for, and the state read from MPS. */
export const PowerState = z.enum([
  'UNSPECIFIED',
  'ON',
  'OFF',
  'SLEEP',
  'HIBERNATE',
  'RESET',
  'POWER_CYCLE',
  'RESET_REPEAT',
])
export type PowerState = z.infer<typeof PowerState>

/**
 * A host's power state as users and integrators see it: the one last read from MPS (its transitional codes 9 and 14
 * read as `power-cycle-pending` / `reset-pending`), `unknown` when never read. Never an action.
 */
export const PowerViewState = z.enum([
  'on',
  'off',
  'sleep',
  'hibernate',
  'reset-pending',
  'power-cycle-pending',
  'unknown',
])
export type PowerViewState = z.infer<typeof PowerViewState>

/** The outcome of the last power action: `pending` while MPS carries it out. */
export const PowerActionOutcome = z.enum(['pending', 'done', 'failed'])
export type PowerActionOutcome = z.infer<typeof PowerActionOutcome>
