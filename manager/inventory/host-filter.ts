import type { AgentPhase, AmtControlMode, AmtSku, AmtState, StatusIndication } from '../../schemas/enums.ts'
import type { Deletion, Host } from './host.ts'
import type { HostCapability } from './host-capability.ts'
import type { LabelCondition } from './labels.ts'

export { HOST_CAPABILITIES, type HostCapability } from './host-capability.ts'

/** How hosts are filtered, sorted, paged and summarised: the query side of the Inventory port (./port.ts). */

/** The operator's one-word AMT state of a host, exactly one per host. The rule: manager/core/host-condition.ts. */
export const HOST_CONDITIONS = [
  'PROVISIONED',
  'ACTIVATING',
  'DEACTIVATING',
  'FAILED',
  'NOT_SUPPORTED',
  'UNPROVISIONED',
  'PENDING_DELETION',
] as const
export type HostCondition = (typeof HOST_CONDITIONS)[number]

/** Filters, combined with AND; an absent field is no condition. */
export interface HostFilter {
  tenantId?: string
  desiredState?: AmtState
  currentState?: AmtState
  statusIndicator?: StatusIndication
  deletion?: Deletion
  sku?: AmtSku
  controlMode?: AmtControlMode
  online?: boolean
  phase?: AgentPhase
  capability?: HostCapability
  condition?: HostCondition
  /** A substring of the hostId or the name, case-insensitive (ASCII letters). */
  search?: string
  /** Every condition holds: the label has the value, or (no value given) the host has the label. */
  labels?: readonly LabelCondition[]
  /**
   * true: the host's last AMT password rotation is pending (recorded, no outcome yet: password-rotation.ts); false:
   * it has none pending. The lease holder follows these before each deadline check (replicas).
   */
  rotationPending?: boolean
}

/** The keys a host list can be sorted by; ties are broken by (tenantId, hostId), in the same direction. */
export const HOST_SORT_KEYS = [
  'hostId',
  'name',
  'condition',
  'capability',
  'currentState',
  'online',
  'lastSeen',
  'statusTimestamp',
] as const satisfies readonly (keyof Host | 'condition' | 'capability')[]
export type HostSortKey = (typeof HOST_SORT_KEYS)[number]
/** A sort key, ascending; with a `-` prefix, descending. */
export type HostSort = HostSortKey | `-${HostSortKey}`
export const DEFAULT_HOST_SORT: HostSort = 'hostId'

export interface HostPageRequest extends HostFilter {
  /** 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
  limit?: number
  /** `nextCursor` of the previous page, of the same sort (else INVALID_INPUT). */
  cursor?: string
  /** Default DEFAULT_HOST_SORT: (tenantId, hostId). */
  sort?: HostSort
  /** Also count every host matching the filter (`total`). */
  withTotal?: boolean
}

/** Hosts in the request's order; `nextCursor` is null on the last page. */
export interface HostPage {
  hosts: Host[]
  nextCursor: string | null
  /** Hosts matching the filter, on every page; only when the request asked `withTotal`. */
  total?: number
}

/** Counts of a tenant's hosts for an overview. */
export interface HostSummary {
  total: number
  online: number
  offline: number
  byCapability: Record<HostCapability, number>
  byCondition: Record<HostCondition, number>
}

/** Which of a tenant's hosts a summary counts (the tenant is the summary's own argument). */
export type HostSummaryFilter = Omit<HostFilter, 'tenantId'>
