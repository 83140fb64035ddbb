/**
 * The KV v2 secrets engine of the fake Vault, after Vault's API document
 * (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2): numbered versions per path; a read of the
 * latest or of `?version=N`; check-and-set (`options.cas` must equal the current version, 0 for a path without
 * one); soft delete of the latest or of listed versions, undelete, destroy; metadata read (`current_version`,
 * `oldest_version`, `max_versions`, `versions` keyed by number) and write (`max_versions`); the mount's config
 * (`max_versions`). A path keeps at most its own `max_versions`, else the mount's, else 10 (0 means unset): the
 * oldest versions beyond that are removed for good. Response bodies as Vault gives them (`data.data`,
 * `data.metadata`, write → version metadata).
 */

interface KvVersion {
  data: Record<string, unknown>
  createdTime: string
  deletionTime: string
  destroyed: boolean
}

export interface KvEntry {
  currentVersion: number
  /** 0: the mount's setting. */
  maxVersions: number
  createdTime: string
  updatedTime: string
  versions: Map<number, KvVersion>
}

export type KvAnswer = { status: number; body?: unknown }

/** Vault keeps this many versions when neither the path nor the mount sets `max_versions`. */
const DEFAULT_MAX_VERSIONS = 10

const errors = (...texts: string[]) => ({ errors: texts })

export class FakeKv {
  readonly entries = new Map<string, KvEntry>()
  /** The mounts' `max_versions` (config); absent or 0: the default. */
  readonly #mountMaxVersions = new Map<string, number>()

  /** The latest live data of a path (for assertions), or undefined. */
  latest(path: string): Record<string, unknown> | undefined {
    const entry = this.entries.get(path)
    const version = entry?.versions.get(entry.currentVersion)
    return version && !version.deletionTime && !version.destroyed ? version.data : undefined
  }

  /** GET data, `?version=N` (absent or 0: the latest). */
  read(path: string, query: URLSearchParams = new URLSearchParams()): KvAnswer {
    const asked = query.get('version')
    const number = asked === null ? 0 : Number(asked)
    if (!Number.isInteger(number) || number < 0) return { status: 400, body: errors('invalid version') }
    const entry = this.entries.get(path)
    const wanted = number === 0 ? entry?.currentVersion : number
    const version = wanted === undefined ? undefined : entry?.versions.get(wanted)
    if (!entry || !version || wanted === undefined) return { status: 404, body: errors() }
    const metadata = metadataOf(wanted, version)
    // Vault answers a deleted or destroyed version with 404 and its metadata (no `errors`).
    if (version.deletionTime || version.destroyed) return { status: 404, body: envelope({ data: null, metadata }) }
    return { status: 200, body: envelope({ data: version.data, metadata }) }
  }

  write(path: string, body: unknown): KvAnswer {
    if (typeof body !== 'object' || body === null) return { status: 400, body: errors('no data provided') }
    const { data, options } = body as { data?: unknown; options?: { cas?: unknown } }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      return { status: 400, body: errors('no data provided') }
    const now = new Date().toISOString()
    const entry = this.entries.get(path) ?? newEntry(now)
    const cas = options?.cas
    if (cas !== undefined && cas !== entry.currentVersion) {
      return { status: 400, body: errors('check-and-set parameter did not match the current version') }
    }
    const version: KvVersion = {
      data: data as Record<string, unknown>,
      createdTime: now,
      deletionTime: '',
      destroyed: false,
    }
    entry.currentVersion += 1
    entry.updatedTime = now
    entry.versions.set(entry.currentVersion, version)
    this.#prune(path, entry)
    this.entries.set(path, entry)
    return { status: 200, body: envelope(metadataOf(entry.currentVersion, version)) }
  }

  /** DELETE data: soft-deletes the latest version (204 also when there is nothing). */
  softDelete(path: string): KvAnswer {
    const entry = this.entries.get(path)
    return this.#eachVersion(entry, entry ? [entry.currentVersion] : [], (version) => {
      if (!version.deletionTime) version.deletionTime = new Date().toISOString()
    })
  }

  /** POST delete/<path> `{ versions }`: soft-deletes those versions. */
  deleteVersions(path: string, body: unknown): KvAnswer {
    return this.#listed(path, body, (version) => {
      if (!version.deletionTime) version.deletionTime = new Date().toISOString()
    })
  }

  /** POST undelete/<path> `{ versions }`: readable again (not when destroyed). */
  undeleteVersions(path: string, body: unknown): KvAnswer {
    return this.#listed(path, body, (version) => {
      version.deletionTime = ''
    })
  }

  /** PUT|POST destroy/<path> `{ versions }`: the data of those versions is gone for good. */
  destroyVersions(path: string, body: unknown): KvAnswer {
    return this.#listed(path, body, (version) => {
      version.destroyed = true
      version.data = {}
    })
  }

  /** GET metadata: every version kept, with its times and flags; 404 `{"errors":[]}` for an unknown path. */
  readMetadata(path: string): KvAnswer {
    const entry = this.entries.get(path)
    if (!entry) return { status: 404, body: errors() }
    const versions = Object.fromEntries(
      [...entry.versions].map(([number, { createdTime, deletionTime, destroyed }]) => [
        String(number),
        { created_time: createdTime, deletion_time: deletionTime, destroyed },
      ]),
    )
    return {
      status: 200,
      body: envelope({
        cas_required: false,
        created_time: entry.createdTime,
        current_version: entry.currentVersion,
        custom_metadata: null,
        delete_version_after: '0s',
        max_versions: entry.maxVersions,
        oldest_version: Math.min(...entry.versions.keys(), entry.currentVersion),
        updated_time: entry.updatedTime,
        versions,
      }),
    }
  }

  /** POST metadata: the path's `max_versions` (a path without a version yet gets metadata only). */
  writeMetadata(path: string, body: unknown): KvAnswer {
    const max = (body as { max_versions?: unknown } | null)?.max_versions
    if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 0))
      return { status: 400, body: errors('max_versions must be a non-negative integer') }
    const entry = this.entries.get(path) ?? newEntry(new Date().toISOString())
    if (typeof max === 'number') entry.maxVersions = max
    this.#prune(path, entry)
    this.entries.set(path, entry)
    return { status: 204 }
  }

  /** DELETE metadata: every version and the metadata are gone. */
  deleteMetadata(path: string): KvAnswer {
    this.entries.delete(path)
    return { status: 204 }
  }

  /** POST <mount>/config `{ max_versions }`. */
  writeConfig(mount: string, body: unknown): KvAnswer {
    const max = (body as { max_versions?: unknown } | null)?.max_versions
    if (!(Number.isInteger(max) && (max as number) >= 0))
      return { status: 400, body: errors('max_versions must be a non-negative integer') }
    this.#mountMaxVersions.set(mount, max as number)
    return { status: 204 }
  }

  /** Removes the oldest versions beyond the path's limit (its own, the mount's, or the default). */
  #prune(path: string, entry: KvEntry): void {
    const mount = path.slice(0, path.indexOf('/'))
    const limit = entry.maxVersions || this.#mountMaxVersions.get(mount) || DEFAULT_MAX_VERSIONS
    const numbers = [...entry.versions.keys()].sort((a, b) => a - b)
    for (const number of numbers.slice(0, Math.max(0, numbers.length - limit))) entry.versions.delete(number)
  }

  #listed(path: string, body: unknown, change: (version: KvVersion) => void): KvAnswer {
    const listed = (body as { versions?: unknown } | null)?.versions
    if (!Array.isArray(listed) || listed.length === 0 || !listed.every((n) => Number.isInteger(n)))
      return { status: 400, body: errors('no version number provided') }
    return this.#eachVersion(this.entries.get(path), listed as number[], change)
  }

  #eachVersion(entry: KvEntry | undefined, numbers: number[], change: (version: KvVersion) => void): KvAnswer {
    for (const number of numbers) {
      const version = entry?.versions.get(number)
      if (version) change(version)
    }
    return { status: 204 }
  }
}

function newEntry(now: string): KvEntry {
  return { currentVersion: 0, maxVersions: 0, createdTime: now, updatedTime: now, versions: new Map() }
}

function metadataOf(version: number, { createdTime, deletionTime, destroyed }: KvVersion) {
  return { created_time: createdTime, custom_metadata: null, deletion_time: deletionTime, destroyed, version }
}

/** Vault's response envelope. */
export function envelope(data: unknown, auth: unknown = null) {
  return {
    request_id: crypto.randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth,
  }
}
