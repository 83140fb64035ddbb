import type Database from 'better-sqlite3'

/** Versions the local store keeps per host by default (the current one included), as Vault KV v2 does. */
export const LOCAL_MAX_VERSIONS = 10

/** One stored version of a host's secret: its number, when it was written (null: unknown), its sealed record. */
interface HostVersionRow {
  version: number
  written_at: string | null
  record: string
}

/** The versions of host secrets in the local database; every method runs synchronously (inside a transaction). */
export interface HostVersions {
  /**
   * Writes `record` as the host's next version: the current row moves, as sealed, into host_secret_history and
   * versions beyond `maxVersions` are removed. onlyIfAbsent: only when the host has no row (true), else false.
   */
  write(keys: HostKeys, record: string, writtenAt: string, onlyIfAbsent: boolean): boolean
  /** Newest first, the current version included, at most `limit`. */
  list(keys: HostKeys, limit: number): HostVersionRow[]
  /** The host's current and previous versions. */
  remove(keys: HostKeys): void
  /** Every host's history cut to `maxVersions` (a lowered setting takes effect at start). */
  pruneAll(): number
}

type HostKeys = [tenantId: string, hostId: string]

const MATCH = 'tenant_id = ? AND host_id = ?'

/**
 * host_secrets holds a host's current version (version, written_at, record); host_secret_history the previous
 * ones, their records moved there unchanged (sealed under the same record path, re-sealed at start like the
 * current ones: local-reseal.ts). Versions count up from 1 per host; deleting the host's secrets removes all, so
 * a later write starts at 1 again (as Vault after a metadata delete).
 */
export function hostVersions(db: Database.Database, maxVersions: number): HostVersions {
  if (!Number.isInteger(maxVersions) || maxVersions < 1) throw new RangeError('maxVersions must be an integer >= 1')
  const get = db.prepare<HostKeys, HostVersionRow>(
    `SELECT version, written_at, record FROM host_secrets WHERE ${MATCH}`,
  )
  const create = db.prepare<[...HostKeys, string, string]>(
    'INSERT INTO host_secrets (tenant_id, host_id, record, written_at, version) VALUES (?, ?, ?, ?, 1) ON CONFLICT DO NOTHING',
  )
  const replace = db.prepare<[string, string, number, ...HostKeys]>(
    `UPDATE host_secrets SET record = ?, written_at = ?, version = ? WHERE ${MATCH}`,
  )
  const keep = db.prepare<[...HostKeys, number, string | null, string]>(
    'INSERT OR REPLACE INTO host_secret_history (tenant_id, host_id, version, written_at, record) VALUES (?, ?, ?, ?, ?)',
  )
  const prune = db.prepare<[...HostKeys, number]>(`DELETE FROM host_secret_history WHERE ${MATCH} AND version <= ?`)
  const list = db.prepare<[...HostKeys, ...HostKeys, number], HostVersionRow>(
    `SELECT version, written_at, record FROM host_secrets WHERE ${MATCH}
     UNION ALL SELECT version, written_at, record FROM host_secret_history WHERE ${MATCH}
     ORDER BY version DESC LIMIT ?`,
  )
  const removeCurrent = db.prepare<HostKeys>(`DELETE FROM host_secrets WHERE ${MATCH}`)
  const removeHistory = db.prepare<HostKeys>(`DELETE FROM host_secret_history WHERE ${MATCH}`)
  const pruneAll = db.prepare<[number]>(
    `DELETE FROM host_secret_history AS h WHERE h.version <= (SELECT s.version FROM host_secrets AS s
       WHERE s.tenant_id = h.tenant_id AND s.host_id = h.host_id) - ?`,
  )

  return {
    write(keys, record, writtenAt, onlyIfAbsent) {
      const now = get.get(...keys)
      if (now === undefined) return create.run(...keys, record, writtenAt).changes === 1
      if (onlyIfAbsent) return false
      const next = now.version + 1
      keep.run(...keys, now.version, now.written_at, now.record)
      replace.run(record, writtenAt, next, ...keys)
      prune.run(...keys, next - maxVersions)
      return true
    },
    list: (keys, limit) => list.all(...keys, ...keys, Math.min(limit, maxVersions)),
    remove(keys) {
      removeCurrent.run(...keys)
      removeHistory.run(...keys)
    },
    pruneAll: () => pruneAll.run(maxVersions).changes,
  }
}
