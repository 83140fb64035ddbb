import {
  PowerState,
  type AgentPhase,
  type AmtControlMode,
  type AmtSku,
  type AmtState,
  type ObservedControlMode,
  type StatusIndication,
} from '../../schemas/enums.ts'
import type { Capability } from '../../schemas/messages/capability.ts'
import type { Leaf } from '../../schemas/topics.ts'
import type { AmtPolicy } from './amt-policy.ts'
import type { Labels } from './labels.ts'
import type { PasswordRotation } from './password-rotation.ts'

/** The host record of the Inventory and its write rules (applied by host-patch.ts in every adapter). */

/** EMF PowerState (reference/inventory-and-dmt.md; schemas/enums.ts). */
export const POWER_STATES = PowerState.options
export type { PowerState }

export type AgentKind = 'mqtt' | 'grpc'
export type Deletion = 'none' | 'pending'

/** The default (and "never reported") status text, as EMF shows it. */
export const UNKNOWN_STATUS = 'Unknown'
/** Status texts longer than this many UTF-8 bytes are truncated on write (EMF: amt_status <= 1024 bytes). */
export const STATUS_MAX_BYTES = 1024

export interface HostKey {
  tenantId: string
  /** SMBIOS UUID (or an id per schemas/ids.ts), unique within the tenant. */
  hostId: string
}

/** Last sequence number accepted per agent leaf, for the host's current bootId. */
export type LastSeq = Readonly<Partial<Record<Leaf, number>>>

export interface Host extends HostKey {
  name: string
  desiredState: AmtState
  currentState: AmtState
  sku: AmtSku
  /** Human status text, <= 1024 UTF-8 bytes, default "Unknown". */
  status: string
  statusIndicator: StatusIndication
  /** Unix seconds of the last status write (set on EVERY write of status or statusIndicator). */
  statusTimestamp: number
  controlMode: AmtControlMode
  dnsSuffix: string
  /** Incremented by every desired write (a patch containing desiredState, controlMode or dnsSuffix). */
  desiredGeneration: number
  observedGeneration: number
  /** The agent's last reported phase; null before the first `state`. */
  phase: AgentPhase | null
  /**
   * The control mode AMT is in as the agent last reported it in a `state` (its confirming amtinfo); null before
   * the first such report (and for gRPC agents, which report none). `controlMode` is the desired one.
   */
  reportedControlMode: ObservedControlMode | null
  /** The last `capability` payload; null before the first one. */
  capability: Capability | null
  online: boolean
  bootId: string | null
  lastSeen: string | null
  lastSeq: LastSeq
  agentKind: AgentKind
  /** When activation was last requested (for the IN_PROGRESS deadline); null when not requested. */
  activationRequestedAt: string | null
  /**
   * An operator forced a local deactivation: desired UNPROVISIONED may then be done with `rpc deactivate -local`
   * when RPS cannot do it (desired.localDeactivation). Set or cleared by every desired write.
   */
  localDeactivation: boolean
  deletion: Deletion
  desiredPowerState: PowerState
  currentPowerState: PowerState
  powerStatus: string
  powerStatusIndicator: StatusIndication
  /** Unix seconds of the last power status write. */
  powerStatusTimestamp: number
  /**
   * When `currentPowerState` was last read from MPS (ISO); null: never read (the state is then not known). Only a
   * reading sets currentPowerState: a power action never does (it is not a state).
   */
  powerStateReadAt: string | null
  /** The operator's key/value labels (labels.ts), keys sorted; groups select hosts by them. */
  labels: Labels
  /** An AMT policy for this host alone; it wins over its groups' (manager/core/effective-policy.ts). */
  policyOverride: AmtPolicy | null
  /** The last AMT password rotation (pending until the agent's outcome); null: never rotated. */
  rotation: PasswordRotation | null
  /** Optimistic concurrency: 1 on create, +1 on every write. */
  version: number
  createdAt: string
  updatedAt: string
}

export interface CreateHostInput extends HostKey {
  /** Defaults to the hostId. */
  name?: string
  /** Defaults to 'CCM'. */
  controlMode?: AmtControlMode
  dnsSuffix?: string
  /** Defaults to 'mqtt'. */
  agentKind?: AgentKind
  /** Defaults to none. */
  labels?: Labels
}

/**
 * A partial update of a host. Rules every adapter applies (see host-patch.ts):
 * - a patch containing `status` or `statusIndicator` is a status write: `statusTimestamp` is set to the patch's
 *   value or, when absent, to now; the same for `powerStatus`/`powerStatusIndicator` and `powerStatusTimestamp`;
 * - a patch containing `desiredState`, `controlMode` or `dnsSuffix` is a desired write: `desiredGeneration` + 1
 *   (also when the values are unchanged: a repeated request is a new generation, so the agent retries);
 * - `lastSeq` is merged per leaf; when the patch brings a different `bootId`, the stored map starts empty;
 * - `status` / `powerStatus` are truncated to STATUS_MAX_BYTES.
 */
export interface HostPatch {
  name?: string
  desiredState?: AmtState
  controlMode?: AmtControlMode
  dnsSuffix?: string
  currentState?: AmtState
  sku?: AmtSku
  status?: string
  statusIndicator?: StatusIndication
  statusTimestamp?: number
  observedGeneration?: number
  phase?: AgentPhase | null
  reportedControlMode?: ObservedControlMode | null
  capability?: Capability | null
  online?: boolean
  bootId?: string | null
  lastSeen?: string | null
  lastSeq?: LastSeq
  agentKind?: AgentKind
  activationRequestedAt?: string | null
  localDeactivation?: boolean
  deletion?: Deletion
  desiredPowerState?: PowerState
  currentPowerState?: PowerState
  powerStatus?: string
  powerStatusIndicator?: StatusIndication
  powerStatusTimestamp?: number
  powerStateReadAt?: string | null
  /** Replaces the whole map (stored with its keys sorted). */
  labels?: Labels
  policyOverride?: AmtPolicy | null
  rotation?: PasswordRotation | null
}
