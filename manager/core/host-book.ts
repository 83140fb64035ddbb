import type { Host, HostKey, HostPatch, HostSelector, Inventory } from '../inventory/port.ts'

const DEFAULT_MAX_CACHED_HOSTS = 100_000

export const hostId = ({ tenantId, hostId }: HostKey): string => `${tenantId}/${hostId}`
export const keyOf = ({ tenantId, hostId }: HostKey): HostKey => ({ tenantId, hostId })

export interface BookUpdate {
  /** The host as read (its version is the expected version of the write). */
  host: Host
  patch: HostPatch
}

/**
 * The manager's write path to hosts: a write-through cache in front of Inventory (the truth) plus one serial
 * queue (`serial`), so host writes of this process never interleave (ingest batches, desired writes, deadlines,
 * deletions each run as one job). Writes carry the cached version (optimistic concurrency): a host changed
 * behind the cache (another process, a direct Inventory write) fails with VersionConflictError; the caller
 * forgets the host and retries with a fresh read. Least recently used hosts are evicted beyond `maxCached`.
 */
export class HostBook {
  readonly #inventory: Inventory
  readonly #cache = new Map<string, Host>()
  readonly #maxCached: number
  /** The last job of the write queue, its failure swallowed (a failing job does not stop the ones after it). */
  #tail: Promise<unknown> = Promise.resolve()

  constructor(inventory: Inventory, { maxCached = DEFAULT_MAX_CACHED_HOSTS }: { maxCached?: number } = {}) {
    this.#inventory = inventory
    this.#maxCached = maxCached
  }

  get inventory(): Inventory {
    return this.#inventory
  }

  /** Runs a job that writes hosts, after every job queued before it (in submission order). */
  serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(job)
    this.#tail = result.catch(() => undefined)
    return result
  }

  /** Resolves when every job queued so far has finished. */
  async idle(): Promise<void> {
    await this.#tail
  }

  /** The host from the cache, else from Inventory; null when it does not exist. */
  async get(key: HostKey): Promise<Host | null> {
    const cached = this.#touch(hostId(key))
    if (cached) return cached
    const host = await this.#inventory.findHost(keyOf(key))
    if (host) this.remember(host)
    return host
  }

  /** The cached host, without reading Inventory. */
  peek(key: HostKey): Host | undefined {
    return this.#cache.get(hostId(key))
  }

  /** Hosts by id (hostId()); missing ones are absent from the map. */
  async getMany(keys: Iterable<HostKey>): Promise<Map<string, Host>> {
    const found = new Map<string, Host>()
    for (const key of keys) {
      const host = await this.get(key)
      if (host) found.set(hostId(host), host)
    }
    return found
  }

  /** Stores a host just written (or read) in the cache. */
  remember(host: Host): void {
    const id = hostId(host)
    this.#cache.delete(id)
    this.#cache.set(id, host)
    if (this.#cache.size > this.#maxCached) {
      const oldest = this.#cache.keys().next()
      if (!oldest.done) this.#cache.delete(oldest.value)
    }
  }

  /** Caches a host read in bulk (a sweep page) unless the cache holds the same or a newer version. */
  offer(host: Host): void {
    const cached = this.#cache.get(hostId(host))
    if (cached === undefined ? this.#cache.size < this.#maxCached : cached.version < host.version) this.remember(host)
  }

  forget(key: HostKey): void {
    this.#cache.delete(hostId(key))
  }

  /** Writes the updates in one transaction (expected versions from the hosts as read); caches the results. */
  async commit(updates: readonly BookUpdate[]): Promise<Host[]> {
    if (updates.length === 0) return []
    const stored = await this.#inventory.updateHosts(
      updates.map(({ host, patch }) => ({ key: keyOf(host), patch, expectedVersion: host.version, current: host })),
    )
    for (const host of stored) this.remember(host)
    return stored
  }

  /** A desired write to many hosts in one transaction; caches the results. */
  async setDesiredMany(selector: HostSelector, patch: HostPatch): Promise<Host[]> {
    const stored = await this.#inventory.setDesiredMany(selector, patch)
    for (const host of stored) this.remember(host)
    return stored
  }

  async delete(host: Host): Promise<void> {
    try {
      await this.#inventory.deleteHost(keyOf(host), { expectedVersion: host.version })
    } finally {
      this.forget(host)
    }
  }

  #touch(id: string): Host | undefined {
    const host = this.#cache.get(id)
    if (host !== undefined) {
      this.#cache.delete(id)
      this.#cache.set(id, host)
    }
    return host
  }
}
