import type { Logger } from '../../lib/log.ts'
import type { Outbound } from '../ports/outbound.ts'
import type { CleanupRetry } from './flows/cleanup-retry.ts'
import type { DeadlineWatch } from './flows/deadlines.ts'
import type { DesiredPublisher } from './publish/desired-publisher.ts'
import type { HostRemoval, RemovalReason } from './flows/host-removal.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { StatusPublisher } from './publish/status-publisher.ts'
import type { HostBook } from './host-book.ts'
import type { HostWritePath } from './host-write-path.ts'
import type { ActivationProfiles } from './publish/activation-profile.ts'
import type { ProvisioningPreparer } from '../ports/provisioning.ts'

/** The parts of the manager core shared by its flows (built once by createManagerCore). */
export interface CoreContext {
  book: HostBook
  /** The one write path to hosts (commit → audit → after-write): every flow writes through it. */
  writes: HostWritePath
  log: Logger
  metrics: ManagerMetrics
  now: () => Date
  outbound: Outbound
  desired: DesiredPublisher
  /** The profile names `desired` carries (the tenants' password policies, held in memory). */
  profiles: ActivationProfiles
  status: StatusPublisher
  deadlines: DeadlineWatch
  preparer: ProvisioningPreparer
  /** What else holds host records when a deletion completes (secrets, RPS/MPS, the broker connection). */
  removal: HostRemoval
  /** Pending deletions whose records elsewhere could not be removed, retried with backoff. */
  cleanupRetry: CleanupRetry<RemovalReason>
}
