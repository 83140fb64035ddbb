/**
 * The KV v2 secrets engine of the fake Vault: versions, soft delete, metadata delete, check-and-set, with the
 * response bodies Vault gives (`data.data`, `data.metadata`, write → version metadata).
 */

interface KvVersion {
  data: Record<string, unknown>
  createdTime: string
  deletionTime: string
  destroyed: boolean
}

export interface KvEntry {
  currentVersion: number
  versions: Map<number, KvVersion>
}

export type KvAnswer = { status: number; body?: unknown }

const errors = (...texts: string[]) => ({ errors: texts })

export class FakeKv {
  readonly entries = new Map<string, KvEntry>()

  /** The latest live data of a path (for assertions), or undefined. */
  latest(path: string): Record<string, unknown> | undefined {
    const entry = this.entries.get(path)
    const version = entry?.versions.get(entry.currentVersion)
    return version && !version.deletionTime && !version.destroyed ? version.data : undefined
  }

  read(path: string): KvAnswer {
    const entry = this.entries.get(path)
    const version = entry?.versions.get(entry.currentVersion)
    if (!entry || !version) return { status: 404, body: errors() }
    const metadata = metadataOf(entry.currentVersion, version)
    // Vault answers a deleted latest version with 404 and its metadata (no `errors`).
    if (version.deletionTime || version.destroyed) return { status: 404, body: envelope({ data: null, metadata }) }
    return { status: 200, body: envelope({ data: version.data, metadata }) }
  }

  write(path: string, body: unknown): KvAnswer {
    if (typeof body !== 'object' || body === null) return { status: 400, body: errors('no data provided') }
    const { data, options } = body as { data?: unknown; options?: { cas?: unknown } }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      return { status: 400, body: errors('no data provided') }
    const entry = this.entries.get(path) ?? { currentVersion: 0, versions: new Map<number, KvVersion>() }
    const cas = options?.cas
    if (cas !== undefined && cas !== entry.currentVersion) {
      return { status: 400, body: errors('check-and-set parameter did not match the current version') }
    }
    const version: KvVersion = {
      data: data as Record<string, unknown>,
      createdTime: new Date().toISOString(),
      deletionTime: '',
      destroyed: false,
    }
    entry.currentVersion += 1
    entry.versions.set(entry.currentVersion, version)
    this.entries.set(path, entry)
    return { status: 200, body: envelope(metadataOf(entry.currentVersion, version)) }
  }

  /** DELETE data: soft-deletes the latest version (204 also when there is nothing). */
  softDelete(path: string): KvAnswer {
    const entry = this.entries.get(path)
    const version = entry?.versions.get(entry.currentVersion)
    if (version && !version.deletionTime) version.deletionTime = new Date().toISOString()
    return { status: 204 }
  }

  /** DELETE metadata: every version and the metadata are gone. */
  deleteMetadata(path: string): KvAnswer {
    this.entries.delete(path)
    return { status: 204 }
  }
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
