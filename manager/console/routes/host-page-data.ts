import { z } from 'zod'
import { ApiError } from '../../api/errors.ts'
import { auditEventView, hostView } from '../../api/views.ts'
import type { HostKey, Inventory } from '../../inventory/port.ts'
import { differsFromTarget, effectivePolicy } from '../../core/effective-policy.ts'
import type { ProvisioningCertificateFacts } from '../../dmt/provisioning-certificate-facts.ts'
import type { HostPolicy } from '../pages/host-policy.tsx'
import { amtSummaryOf, type RpcErrorSummary } from '../pages/host-amt-summary.ts'
import type { AuditPage, AuditQuery } from '../pages/host-audit.tsx'

/** What the host page reads: the host through the API's view, its audit trail as GET …/events pages it. */

/** Audit events on one page of the host page. */
const AUDIT_PAGE_SIZE = 25

/** How far back the page looks for the last `state` report's rpc error (the host view does not carry it). */
const STATE_LOOKBACK = 50

const AuditQueryParams = z.object({
  before: z.coerce.number().int().min(1).optional(),
  class: z.enum(['security', 'activity']).optional(),
})

/** `?before=&class=` of the page and the audit fragment; VALIDATION_FAILED (a 400 page) when malformed. */
export function auditQueryOf(query: unknown): AuditQuery {
  const parsed = AuditQueryParams.safeParse(query)
  if (!parsed.success) throw new ApiError('VALIDATION_FAILED', 'the audit trail takes before=<event id> and class')
  const { before, class: auditClass } = parsed.data
  return { ...(before === undefined ? {} : { before }), ...(auditClass === undefined ? {} : { class: auditClass }) }
}

/** The host's view and AMT summary; null when the host is not (or no longer) in the inventory. */
export async function loadHost(inventory: Inventory, key: HostKey) {
  const host = await inventory.findHost(key)
  if (host === null) return null
  const view = hostView(host)
  return { view, summary: amtSummaryOf(view, await lastRpcError(inventory, key)) }
}

/** The host's labels and effective policy, as GET …/hosts/{h}/policy computes it; null when the host is gone. */
export async function loadPolicy(
  inventory: Inventory,
  key: HostKey,
  certificates: readonly ProvisioningCertificateFacts[],
): Promise<HostPolicy | null> {
  const [host, groups] = await Promise.all([inventory.findHost(key), inventory.listGroups(key.tenantId)])
  if (host === null) return null
  const effective = effectivePolicy(host, groups, certificates, new Date())
  return { labels: host.labels, effective, drift: differsFromTarget(host, effective.target) }
}

/** A page of the host's audit trail, newest first; `nextBefore` as the API's events route answers it. */
export async function loadAudit(inventory: Inventory, key: HostKey, query: AuditQuery): Promise<AuditPage> {
  const events = await inventory.listAudit(key.tenantId, { hostId: key.hostId, limit: AUDIT_PAGE_SIZE, ...query })
  const last = events.at(-1)
  return {
    events: events.map(auditEventView),
    nextBefore: events.length === AUDIT_PAGE_SIZE && last !== undefined ? last.id : null,
  }
}

const StateError = z.object({
  error: z.object({ name: z.string(), code: z.int().nullable(), message: z.string() }).nullable(),
})

/** The rpc error of the host's last `state` audit event (reducers/state.ts writes it), when it had one. */
async function lastRpcError(inventory: Inventory, key: HostKey): Promise<RpcErrorSummary | null> {
  const events = await inventory.listAudit(key.tenantId, {
    hostId: key.hostId,
    class: 'activity',
    limit: STATE_LOOKBACK,
  })
  const state = events.find((event) => event.kind === 'state')
  const parsed = StateError.safeParse(state?.detail)
  return parsed.success ? parsed.data.error : null
}
