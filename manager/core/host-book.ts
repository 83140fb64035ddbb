import type { Host, HostKey, Inventory } from '../inventory/port.ts'

const DEFAULT_MAX_CACHED_HOSTS = 100_000

export const hostId = ({ tenantId, hostId }: HostKey): string => `${tenantId}/${hostId}`
export const keyOf = ({ tenantId, hostId }: HostKey): HostKey => ({ tenantId, hostId })

/**
 * The hosts as this process knows them: a write-through cache in front of Inventory (the truth) plus one serial
 * queue (`serial`), so host writes of this process never interleave (ingest batches, desired writes, deadlines,
 * deletions each run as one job). The write path (host-write-path.ts) stores what it wrote here (`remember`).
 * Writes carry the cached version (optimistic concurrency): a host changed behind the cache (another process, a
 * direct Inventory write) fails with VersionConflictError; the caller forgets the host and retries with a fresh
 * read. Least recently used hosts are evicted beyond `maxCached`.
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

  /**
   * The host as Inventory holds it now, for a decision outside the ingest (an API call, a deletion, the gRPC bridge):
   * another manager replica may have written it since it was cached (docs/replicas.md). The cache takes it when
   * newer; a host gone from Inventory leaves the cache. Null when it does not exist.
   */
  async fresh(key: HostKey): Promise<Host | null> {
    const host = await this.#inventory.findHost(keyOf(key))
    if (host === null) this.forget(key)
    else this.offer(host)
    return host
  }

  /** `fresh` of many hosts in one Inventory call: a host or null per key, in the keys' order. */
  async freshMany(keys: readonly HostKey[]): Promise<(Host | null)[]> {
    const hosts = await this.#inventory.findHosts(keys.map(keyOf))
    for (const [index, key] of keys.entries()) {
      const host = hosts[index] ?? null
      if (host === null) this.forget(key)
      else this.offer(host)
    }
    return hosts
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

  #touch(id: string): Host | undefined {
    const host = this.#cache.get(id)
    if (host !== undefined) {
      this.#cache.delete(id)
      this.#cache.set(id, host)
    }
    return host
  }
}
