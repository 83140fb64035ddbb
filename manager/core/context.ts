import type { Logger } from '../../lib/log.ts'
import type { Outbound } from '../ports/outbound.ts'
import type { CleanupRetry } from './flows/cleanup-retry.ts'
import type { DeadlineWatch } from './flows/deadlines.ts'
import type { DesiredPublisher } from './publish/desired-publisher.ts'
import type { HostRemoval, RemovalReason } from './flows/host-removal.ts'
import type { AppendAuditInput, Host } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { StatusPublisher } from './publish/status-publisher.ts'
import type { HostBook } from './host-book.ts'
import type { ProvisioningPreparer } from '../ports/provisioning.ts'

/** The parts of the manager core shared by its flows (built once by createManagerCore). */
export interface CoreContext {
  book: HostBook
  log: Logger
  metrics: ManagerMetrics
  now: () => Date
  outbound: Outbound
  desired: DesiredPublisher
  status: StatusPublisher
  deadlines: DeadlineWatch
  preparer: ProvisioningPreparer
  /** What else holds host records when a deletion completes (secrets, RPS/MPS, the broker connection). */
  removal: HostRemoval
  /** Pending deletions whose records elsewhere could not be removed, retried with backoff. */
  cleanupRetry: CleanupRetry<RemovalReason>
}

/** After every stored host change: publish its view (when visible) and follow its activation deadline. */
export function afterHostWrite(ctx: CoreContext, host: Host): void {
  ctx.status.publish(host)
  ctx.deadlines.track(host)
}

/** Appends audit events; a failure is logged, never fatal (the change itself is stored). */
export async function appendAudit(ctx: CoreContext, events: readonly AppendAuditInput[]): Promise<void> {
  if (events.length === 0) return
  try {
    await ctx.book.inventory.appendAudit(events)
  } catch (err) {
    ctx.log.error({ err, events: events.length }, 'audit append failed')
  }
}
