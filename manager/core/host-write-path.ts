import type { Logger } from '../../lib/log.ts'
import { VersionConflictError } from '../inventory/errors.ts'
import type { AppendAuditInput, Host, HostKey, HostPatch } from '../inventory/port.ts'
import { keyOf, type BookUpdate, type HostBook } from './host-book.ts'
import type { ActivationProfiles } from './publish/activation-profile.ts'

/** A write's audit events, or a function of the hosts as stored (their new generation, say). */
export type AuditOf = readonly AppendAuditInput[] | ((stored: readonly Host[]) => readonly AppendAuditInput[])

/** What to write to the host as read; null: nothing (the host moved on). */
export type PatchOf = (host: Host) => HostPatch | null

export interface WriteOptions {
  audit?: AuditOf
}

/**
 * The one typed after-write hook (context.ts builds the core's): what follows a stored, audited host change.
 * `stored` runs for every host a write stored (or re-read), in write order; `desired` says the write set the host's
 * desired state (publish it). `deleted` runs once a host's record is gone.
 */
export interface AfterWrite {
  /** Must not throw (a throw is logged: the change is stored). */
  stored(host: Host, change: { desired: boolean }): void
  /** Never rejects. */
  deleted(host: Host): Promise<void>
}

export interface HostWritePathDeps {
  book: HostBook
  log: Logger
  /**
   * Before a desired write, `readMissing` reads the password policies of tenants this process has not seen, so the
   * profile names are known when `desired` is published right after the commit (a failure fails the write before
   * anything is stored).
   */
  profiles: Pick<ActivationProfiles, 'readMissing'>
  after: AfterWrite
}

/** Tries of `update` when the host changed behind the cache (another process, a direct Inventory write). */
const MAX_ATTEMPTS = 3

/**
 * THE write path to hosts: every host change of this process — the flows (set-desired, deletion, expire-activation),
 * the ingest's batches, and the writes of the layers below the core through the HostWriter port — is stored in this
 * fixed order:
 *   1. commit  one Inventory transaction through the HostBook (expected versions; a conflict throws, nothing follows)
 *   2. audit   the write's audit events; a failed append is logged, never fatal (the change itself is stored)
 *   3. after   the after-write hook (AfterWrite): desired (when written), status, activation deadline; or, for a
 *              deleted host, its connection closed and its retained topics cleared
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
    const stored = await this.#deps.book.commit(updates)
    await this.#audit(options.audit, stored)
    this.#after(stored, false)
    return stored
  }

  /**
   * A desired write (generation + 1 each) to these hosts in one transaction; their `desired` is published. `keys`
   * may be hosts: their keys are taken here, once.
   */
  async setDesired(keys: readonly HostKey[], patch: HostPatch, options: WriteOptions = {}): Promise<Host[]> {
    await this.#deps.profiles.readMissing(keys.map((key) => key.tenantId))
    const stored = await this.#deps.book.setDesiredMany({ keys: keys.map(keyOf) }, patch)
    await this.#audit(options.audit, stored)
    this.#after(stored, true)
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

  /** Removes the host's record (expected version: the one read), audits, then the `deleted` hook. */
  async delete(host: Host, options: WriteOptions = {}): Promise<void> {
    await this.#deps.book.delete(host)
    await this.#audit(options.audit, [host])
    await this.#deps.after.deleted(host)
  }

  /** A host written outside this path (a host just created): re-read, audited, then the `stored` hook. */
  async refresh(key: HostKey, options: WriteOptions = {}): Promise<Host | null> {
    const { book } = this.#deps
    book.forget(key)
    const host = await book.get(key)
    if (host === null) return null
    await this.#audit(options.audit, [host])
    this.#after([host], false)
    return host
  }

  async #audit(audit: AuditOf | undefined, stored: readonly Host[]): Promise<void> {
    if (audit === undefined) return
    let events: readonly AppendAuditInput[] = []
    try {
      events = typeof audit === 'function' ? audit(stored) : audit
      if (events.length > 0) await this.#deps.book.inventory.appendAudit(events)
    } catch (err) {
      this.#log.error({ err, events: events.length }, 'audit append failed')
    }
  }

  #after(stored: readonly Host[], desired: boolean): void {
    for (const host of stored) {
      try {
        this.#deps.after.stored(host, { desired })
      } catch (err) {
        const { tenantId, hostId } = host
        this.#log.error({ err, tenantId, hostId }, 'after-write step failed (the change is stored)')
      }
    }
  }
}
