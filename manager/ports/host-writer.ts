import type { AppendAuditInput, Host, HostKey, HostPatch } from '../inventory/port.ts'

/** What a host write appends to the audit trail (after the commit; a failed append is logged, never fatal). */
interface HostWriteOptions {
  audit?: readonly AppendAuditInput[]
}

/**
 * The manager core's one host-write path, for code BELOW the core (manager/dmt: power actions, the power sweep) and
 * the API's registration: every update of an existing host row goes commit → audit → after-write (its `status`
 * published, its activation deadline followed), in the core's write queue, like every flow of the core
 * (core/host-write-path.ts). The manager core implements it; manager/wiring passes it down.
 */
export interface HostWriter {
  /** The host as the core knows it (write-through cache over Inventory); null when it does not exist. */
  getHost(key: HostKey): Promise<Host | null>
  /**
   * Applies the patch to the host as stored (a version conflict re-reads and retries), appends the audit events,
   * publishes the host's status. Rejects with NotFoundError when the host does not exist.
   */
  updateHost(key: HostKey, patch: HostPatch, options?: HostWriteOptions): Promise<Host>
  /**
   * A host row written outside the write path (a host just created): drops the cached copy, reads it again,
   * appends the audit events, publishes its status. Null when the host does not exist (nothing is appended then).
   */
  refreshHost(key: HostKey, options?: HostWriteOptions): Promise<Host | null>
}
