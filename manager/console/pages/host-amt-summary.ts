import type { HostView } from '../../api/views.ts'

/** How the host page sums up a host's AMT state in one word, with the reason and the rpc error when known. */
export interface AmtSummary {
  condition: Condition
  /** e.g. "Not supported", "Failed": the words shown, never colour alone. */
  label: string
  tone: 'ok' | 'warn' | 'bad' | 'na'
  /** Why (the agent's reason for NOT_SUPPORTED, the status text of a failure); null when nothing to say. */
  reason: string | null
  /** The rpc failure of the last state report (name and exit code), when the agent reported one. */
  rpcError: RpcErrorSummary | null
}

export interface RpcErrorSummary {
  name: string
  code: number | null
  message: string
}

/** The host view's `condition` (manager/core/host-condition.ts). */
type Condition = HostView['condition']

const LABELS: Record<Condition, [string, AmtSummary['tone']]> = {
  PENDING_DELETION: ['Deletion pending', 'warn'],
  NOT_SUPPORTED: ['Not supported', 'na'],
  FAILED: ['Failed', 'bad'],
  ACTIVATING: ['Activating', 'warn'],
  DEACTIVATING: ['Deactivating', 'warn'],
  PROVISIONED: ['Provisioned', 'ok'],
  UNPROVISIONED: ['Not activated', 'na'],
}

/** The host's summary; `rpcError` comes from its last `state` audit event (the view does not carry it). */
export function amtSummaryOf(view: HostView, rpcError: RpcErrorSummary | null): AmtSummary {
  const condition = view.condition
  const [label, tone] = LABELS[condition]
  return { condition, label, tone, reason: reasonOf(view, condition), rpcError: withError(condition, rpcError) }
}

function reasonOf(view: HostView, condition: Condition): string | null {
  if (condition === 'NOT_SUPPORTED') {
    const reported = view.capability?.['reason']
    return typeof reported === 'string' && reported !== '' ? reported : view.status
  }
  return condition === 'FAILED' || condition === 'PENDING_DELETION' ? view.status : null
}

/** The rpc error belongs to a failure or a not-supported report only; on a healthy host it is history. */
const withError = (condition: Condition, rpcError: RpcErrorSummary | null): RpcErrorSummary | null =>
  condition === 'FAILED' || condition === 'NOT_SUPPORTED' || condition === 'PENDING_DELETION' ? rpcError : null
