import type { Logger } from '../../lib/log.ts'
import { VersionConflictError } from '../inventory/errors.ts'
import { isDesiredWrite } from '../inventory/host-patch.ts'
import type {
  AppendAuditInput,
  AuditOfStored,
  DesiredTargets,
  Host,
  HostKey,
  HostPatch,
  Inventory,
} from '../inventory/port.ts'
import { clearRetained, type Outbound } from '../ports/outbound.ts'
import type { DeadlineWatch } from './flows/deadlines.ts'
import type { HostRemoval } from './flows/host-removal.ts'
import { keyOf, type HostBook } from './host-book.ts'
import type { ActivationProfiles } from './publish/activation-profile.ts'
import type { DesiredPublisher } from './publish/desired-publisher.ts'
import type { StatusPublisher } from './publish/status-publisher.ts'

export interface BookUpdate {
  /** The host as read (its version is the expected version of the write). */
  host: Host
  patch: HostPatch
}

/** A write's audit events, or a function of the hosts as stored (their new generation, say). */
export type AuditOf = readonly AppendAuditInput[] | ((stored: readonly Host[]) => readonly AppendAuditInput[])

/** The write's audit as the Inventory appends it in the write's transaction. */
const auditInTransaction = (audit: AuditOf | undefined): AuditOfStored | undefined =>
  audit === undefined ? undefined : typeof audit === 'function' ? audit : () => audit

/** The hosts of a desired write: by key, or as the caller read them. */
export type DesiredWriteTargets = Exclude<DesiredTargets, { filter: unknown }>

/** What to write to the host as read; null: nothing (the host moved on). */
export type PatchOf = (host: Host) => HostPatch | null

export interface WriteOptions {
  audit?: AuditOf
}

export interface HostWritePathDeps {
  /** The cache the written hosts are remembered in (and the write queue the callers run in). */
  book: HostBook
  inventory: Inventory
  log: Logger
  /**
   * Before a desired write, `readMissing` reads the password policies of tenants this process has not seen, so the
   * profile names are known when `desired` is published right after the commit (a failure fails the write before
   * anything is stored).
   */
  profiles: Pick<ActivationProfiles, 'readMissing'>
  /** What follows a stored host: its desired (when written), its status, its activation deadline. */
  desired: Pick<DesiredPublisher, 'publish' | 'forget'>
  status: Pick<StatusPublisher, 'publish' | 'forget'>
  deadlines: Pick<DeadlineWatch, 'track' | 'forget'>
  /** What follows a deleted host: its broker connection closed, its retained topics cleared. */
  removal: Pick<HostRemoval, 'disconnect'>
  outbound: Outbound
}

/** Tries of `update` when the host changed behind the cache (another process, a direct Inventory write). */
const MAX_ATTEMPTS = 5

/**
 * THE write path to hosts: every host change of this process — the flows (set-desired, deletion, expire-activation),
 * the ingest's batches, and the writes of the layers below the core through the HostWriter port — is stored in this
 * fixed order:
 *   1. commit  one Inventory transaction (expected versions; a conflict throws, nothing follows) holding the change
 *              AND its audit events (a process killed right after the commit leaves no change unaudited: the
 *              device's re-sent report is then a duplicate, never audited again); the stored hosts are remembered in
 *              the HostBook
 *   2. audit   only for a deletion or a host written outside this path: the events after the change; a failed
 *              append is logged, never fatal (the change itself is stored)
 *   3. after   for every stored host, in write order: its `desired` when the write set it, its `status` view (when
 *              visible), its activation deadline (a throw is logged: the change is stored); for a deleted host:
 *              its broker connection closed and its last will dropped BEFORE its retained topics are cleared (the
 *              credential went with the record, so nothing re-creates one after the clear), then the publishers
 *              and the deadline forget it
 * The caller runs it inside `book.serial` (a flow or an ingest batch is one job of the write queue).
 */
export class HostWritePath {
  readonly #deps: HostWritePathDeps
  readonly #log: Logger

  constructor(deps: HostWritePathDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'host-write' })
  }

  /** Versioned patches of hosts as read, in one transaction. */
  async commit(updates: readonly BookUpdate[], options: WriteOptions = {}): Promise<Host[]> {
    const { inventory, book } = this.#deps
    const versioned = updates.map(({ host, patch }) => {
      const key = { tenantId: host.tenantId, hostId: host.hostId }
      return { key, patch, expectedVersion: host.version, current: host }
    })
    const stored =
      versioned.length === 0 ? [] : await inventory.updateHosts(versioned, auditInTransaction(options.audit))
    for (const host of stored) book.remember(host)
    // A patch with a desired field (a rotation asked for or settled) is a new desired generation: published too.
    const desiredOf = new Set(
      updates.filter(({ patch }) => isDesiredWrite(patch)).map(({ host }) => `${host.tenantId}/${host.hostId}`),
    )
    this.#after(stored, (host) => desiredOf.has(`${host.tenantId}/${host.hostId}`))
    return stored
  }

  /**
   * A desired write (generation + 1 each) to these hosts in one transaction; their `desired` is published. By keys
   * (each host read in the write), or hosts as the caller read them (the Inventory's `hosts`: a host is read again
   * only when it moved since).
   */
  async setDesired(targets: DesiredWriteTargets, patch: HostPatch, options: WriteOptions = {}): Promise<Host[]> {
    const { inventory, book, profiles } = this.#deps
    const hosts: readonly HostKey[] = 'hosts' in targets ? targets.hosts : targets.keys
    await profiles.readMissing(hosts.map((key) => key.tenantId))
    const selector = 'hosts' in targets ? targets : { keys: targets.keys.map(keyOf) }
    const stored = await inventory.setDesiredMany(selector, patch, auditInTransaction(options.audit))
    for (const host of stored) book.remember(host)
    this.#after(stored, () => true)
    return stored
  }

  /**
   * Reads the host (cache, else Inventory), asks `patchOf` what to write (null: nothing) and commits it; a version
   * conflict forgets the host and tries again with a fresh read. Null when the host does not exist or nothing was
   * written.
   */
  async update(key: HostKey, patchOf: PatchOf, options: WriteOptions = {}): Promise<Host | null> {
    const { book } = this.#deps
    for (let attempt = 1; ; attempt++) {
      const host = await book.get(key)
      const patch = host === null ? null : patchOf(host)
      if (host === null || patch === null) return null
      try {
        const [stored] = await this.commit([{ host, patch }], options)
        return stored ?? null
      } catch (err) {
        if (!(err instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw err
        book.forget(key)
      }
    }
  }

  /** Removes the host's record (expected version: the one read), audits, then closes and clears what it left. */
  async delete(host: Host, options: WriteOptions = {}): Promise<void> {
    const { inventory, book, removal, outbound, desired, status, deadlines } = this.#deps
    try {
      await inventory.deleteHost(keyOf(host), { expectedVersion: host.version })
    } finally {
      book.forget(host)
    }
    await this.#audit(options.audit, [host])
    await removal.disconnect(keyOf(host))
    clearRetained(outbound, host)
    desired.forget(host)
    status.forget(host)
    deadlines.forget(host)
  }

  /** A host written outside this path (a host just created): re-read, audited, then its status and deadline. */
  async refresh(key: HostKey, options: WriteOptions = {}): Promise<Host | null> {
    const { book } = this.#deps
    book.forget(key)
    const host = await book.get(key)
    if (host === null) return null
    await this.#audit(options.audit, [host])
    this.#after([host], () => false)
    return host
  }

  async #audit(audit: AuditOf | undefined, stored: readonly Host[]): Promise<void> {
    if (audit === undefined) return
    let events: readonly AppendAuditInput[] = []
    try {
      events = typeof audit === 'function' ? audit(stored) : audit
      if (events.length > 0) await this.#deps.inventory.appendAudit(events)
    } catch (err) {
      this.#log.error({ err, events: events.length }, 'audit append failed')
    }
  }

  #after(stored: readonly Host[], desiredWritten: (host: Host) => boolean): void {
    const { desired, status, deadlines } = this.#deps
    for (const host of stored) {
      try {
        if (desiredWritten(host)) desired.publish(host)
        status.publish(host)
        deadlines.track(host)
      } catch (err) {
        const { tenantId, hostId } = host
        this.#log.error({ err, tenantId, hostId }, 'after-write step failed (the change is stored)')
      }
    }
  }
}
