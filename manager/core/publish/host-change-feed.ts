import { randomBytes } from 'node:crypto'
import type { Host, HostKey } from '../../inventory/port.ts'

/**
 * One change of a host, as live streams (the API's GET …/hosts/changes) deliver it. `origin`: written by this
 * process (`local`) or by another replica (`peer`, brought by the relay).
 */
export type HostChange = { id: string; seq: number; tenantId: string; origin: 'local' | 'peer' } & (
  { kind: 'host'; host: Host } | { kind: 'deleted'; hostId: string }
)

/** Where the status publisher reports a visible change or a deletion (the write side of the feed). */
export interface HostChangeSink {
  changed(host: Host): void
  deleted(key: HostKey): void
}

/** A change another replica made (the feed's relay, manager/wiring/host-change-relay.ts, brings it). */
export type PeerHostChange = { kind: 'host'; host: Host } | { kind: 'deleted'; key: HostKey }

/** A subscriber of one tenant's changes. Its methods must not throw (a throw is swallowed). */
export interface HostChangeListener {
  change(change: HostChange): void
  /** Changes may have been missed (the replicas' relay was cut off): read again what you show. */
  resync?(): void
  /** The feed closed (the manager stops): end the stream. */
  closed(): void
}

/** What a subscriber that saw `lastEventId` missed: the tenant's changes after it, oldest first, or `resync`. */
export type MissedChanges = { kind: 'replay'; changes: HostChange[] } | { kind: 'resync' }

/** The read side the API uses. */
export type HostChanges = Pick<HostChangeFeed, 'subscribe' | 'subscribeAll' | 'missedSince' | 'headId'>

/** The side the relay between replicas feeds: other replicas' changes, and `resync` when some were lost. */
export type PeerHostChanges = Pick<HostChangeFeed, 'received' | 'resync'>

const DEFAULT_HOST_CHANGE_BUFFER = 10_000
const ID = /^([0-9a-f]{8})-(\d{1,15})$/

/**
 * The in-process feed of host changes, fed where the manager publishes a host's `status` (status-publisher.ts), so
 * a live page sees what the topic says, when it says it. Ids are `<bootId>-<seq>`: `seq` increases with every
 * change of any tenant, `bootId` is random per process. The last `capacity` changes stay in a ring buffer: a
 * subscriber that reconnects with the id it saw last gets exactly what it missed, or `resync` when it cannot (an id
 * of another boot, one older than the buffer, or one never issued).
 *
 * With replicas (docs/replicas.md) the feed also carries the other replicas' changes (`received`), and `relay` hears
 * of this process's own (`changed`, `deleted`) to pass them on. When the relay lost some, `resync` tells every live
 * subscriber and takes a seq of its own: a resume from an id before it answers `resync` too.
 */
export class HostChangeFeed implements HostChangeSink {
  readonly bootId: string
  readonly #capacity: number
  readonly #ring: Array<HostChange | undefined>
  /** The seq of the last change; the buffer holds seqs (#last - size, #last]. */
  #last = 0
  #size = 0
  /** Ids up to this seq may miss other replicas' changes (the last `resync`). */
  #resyncedAt = 0
  #closed = false
  readonly #relay: HostChangeSink | undefined
  readonly #listeners = new Map<string, Set<HostChangeListener>>()
  readonly #everyTenant = new Set<HostChangeListener>()

  constructor(
    options: {
      capacity?: number
      bootId?: string
      /** Hears of this process's changes (not of `received` ones); must not throw. */
      relay?: HostChangeSink
    } = {},
  ) {
    const { capacity = DEFAULT_HOST_CHANGE_BUFFER, bootId } = options
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer')
    this.#capacity = capacity
    this.#relay = options.relay
    this.#ring = new Array<HostChange | undefined>(capacity)
    this.bootId = bootId ?? randomBytes(4).toString('hex')
  }

  /** The id of the last change (`<bootId>-0` before the first): a stream resumes after it. */
  headId(): string {
    return `${this.bootId}-${this.#last}`
  }

  changed(host: Host): void {
    this.#append((seq, id) => ({ kind: 'host', tenantId: host.tenantId, host, seq, id, origin: 'local' }))
    this.#relay?.changed(host)
  }

  deleted(key: HostKey): void {
    const { tenantId, hostId } = key
    this.#append((seq, id) => ({ kind: 'deleted', tenantId, hostId, seq, id, origin: 'local' }))
    this.#relay?.deleted(key)
  }

  /** Another replica's change: delivered like this process's own, not relayed again. */
  received(change: PeerHostChange): void {
    if (change.kind === 'host') {
      const { host } = change
      this.#append((seq, id) => ({ kind: 'host', tenantId: host.tenantId, host, seq, id, origin: 'peer' }))
    } else {
      const { tenantId, hostId } = change.key
      this.#append((seq, id) => ({ kind: 'deleted', tenantId, hostId, seq, id, origin: 'peer' }))
    }
  }

  /**
   * Changes of other replicas were lost: every live subscriber is told to read again, and a resume from an id up to
   * now answers `resync`. It takes a seq (no change has it), so the head id after it is where a reader resumes.
   */
  resync(): void {
    const seq = ++this.#last
    this.#ring[seq % this.#capacity] = undefined
    this.#size = Math.min(this.#size + 1, this.#capacity)
    this.#resyncedAt = seq
    const listeners = [...this.#listeners.values(), this.#everyTenant].flatMap((set) => [...set])
    for (const listener of listeners) safely(() => listener.resync?.())
  }

  /** Delivers the tenant's changes to `listener` from now on; returns the unsubscribe function. */
  subscribe(tenantId: string, listener: HostChangeListener): () => void {
    if (this.#closed) {
      listener.closed()
      return () => undefined
    }
    const listeners = this.#listeners.get(tenantId) ?? new Set<HostChangeListener>()
    this.#listeners.set(tenantId, listeners)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0 && this.#listeners.get(tenantId) === listeners) this.#listeners.delete(tenantId)
    }
  }

  /** Delivers every tenant's changes to `listener` from now on (the console's wave history); returns the unsubscribe. */
  subscribeAll(listener: HostChangeListener): () => void {
    if (this.#closed) {
      listener.closed()
      return () => undefined
    }
    this.#everyTenant.add(listener)
    return () => void this.#everyTenant.delete(listener)
  }

  missedSince(tenantId: string, lastEventId: string): MissedChanges {
    const match = ID.exec(lastEventId)
    const seen = Number(match?.[2])
    const oldest = this.#last - this.#size
    const stale = seen < oldest || seen < this.#resyncedAt
    if (match?.[1] !== this.bootId || !Number.isSafeInteger(seen) || seen > this.#last || stale)
      return { kind: 'resync' }
    const changes: HostChange[] = []
    for (let seq = seen + 1; seq <= this.#last; seq++) {
      const change = this.#ring[seq % this.#capacity]
      if (change?.tenantId === tenantId) changes.push(change)
    }
    return { kind: 'replay', changes }
  }

  /** Ends every subscription (the manager stops); later subscribers are told at once. */
  close(): void {
    this.#closed = true
    const listeners = [...this.#listeners.values(), this.#everyTenant].flatMap((set) => [...set])
    this.#listeners.clear()
    this.#everyTenant.clear()
    for (const listener of listeners) safely(() => listener.closed())
  }

  #append(changeOf: (seq: number, id: string) => HostChange): void {
    const seq = ++this.#last
    const stored = changeOf(seq, `${this.bootId}-${seq}`)
    this.#ring[seq % this.#capacity] = stored
    this.#size = Math.min(this.#size + 1, this.#capacity)
    for (const listener of this.#listeners.get(stored.tenantId) ?? []) safely(() => listener.change(stored))
    for (const listener of this.#everyTenant) safely(() => listener.change(stored))
  }
}

function safely(call: () => void): void {
  try {
    call()
  } catch {
    // A listener's failure is its own (the API's stream ends itself); the publisher's caller must go on.
  }
}
