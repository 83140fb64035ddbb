import path from 'node:path'
import type Database from 'better-sqlite3'
import type { Logger } from '../../lib/log.ts'
import { envelopeOf, open, seal } from './envelope.ts'
import { SecretStoreError, type SecretStoreErrorDetails } from './errors.ts'
import { createGroupCommit } from './group-commit.ts'
import { isKekId, kekById, type Keyring } from './local-keys.ts'
import { recordPath, resealAtStart, type ResealReport } from './local-reseal.ts'
import { openSecretDatabase, storageReason } from './local-sqlite-db.ts'
import { hostVersions, LOCAL_MAX_VERSIONS, type HostVersions } from './local-host-versions.ts'
import type { AmtSecret, AmtSecretVersion, HostKey, PutOptions, SecretStore, SecretStoreHealth } from './port.ts'
import { hostSecretPath, recordOf, secretOf, tenantSecretPath } from './secret-paths.ts'

export interface LocalSecretStoreOptions {
  /** The database file (e.g. <dataDir>/secrets.db); created 0600 (its directory 0700) when missing. */
  file: string
  /** The key-encryption keys (local-keys.ts): every record is sealed under `current` (envelope.ts). */
  keyring: Keyring
  /** Told how many clear-text records were encrypted and how many were re-sealed at start. */
  log?: Logger
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY; default 5000 ms. */
  busyTimeoutMs?: number
  /** Versions kept per host, the current one included (local-host-versions.ts); default 10. */
  maxVersions?: number
  /** Test seam: called with the number of writes of each committed transaction (group commit). */
  onCommit?: (writes: number) => void
}

/**
 * The embedded default SecretStore: one SQLite file (local-sqlite-db.ts: WAL, synchronous=FULL, mode 0600) with
 * a row per secret, keyed like the Vault layout: host_secrets (tenant_id, host_id) holds a host's password
 * (random policy), tenant_secrets (tenant_id) the tenant's (static policy). Writes are group-committed
 * (group-commit.ts): an activation wave storing thousands of passwords pays one fsync per event-loop turn, not
 * one per host, and each write resolves once it is durable. Reads are synchronous queries. Every record is
 * envelope-encrypted (envelope.ts) under the keyring's current KEK and bound to its row; at start clear-text rows
 * of an older release are encrypted and rows of a previous KEK re-sealed (local-reseal.ts). SINGLE MACHINE ONLY:
 * nothing is shared between manager replicas; use Vault for anything else. Opening is immediate and throws (see
 * openSecretDatabase, resealAtStart), so a bad file or a wrong key stops the start.
 */
export function createLocalSecretStore(options: LocalSecretStoreOptions): SecretStore {
  const { file, keyring, busyTimeoutMs = 5000, onCommit, log, maxVersions = LOCAL_MAX_VERSIONS } = options
  const db = openSecretDatabase(path.resolve(file), busyTimeoutMs)
  let versions: HostVersions
  try {
    versions = hostVersions(db, maxVersions)
    versions.pruneAll()
    const report = resealAtStart(db, keyring)
    // The WAL still holds the pages as they were (clear text, old sealed keys) until overwritten: truncate it.
    if (report.migrated > 0 || report.rotated > 0) db.pragma('wal_checkpoint(TRUNCATE)')
    if (log) logReport(report, keyring.current.id, log.child({ module: 'secrets' }))
  } catch (err) {
    db.close()
    if (err instanceof SecretStoreError) throw err
    if (err instanceof RangeError) throw new SecretStoreError('SECRET_STORE_CONFIG_INVALID', { reason: err.message })
    throw new SecretStoreError('SECRET_STORE_UNAVAILABLE', { operation: 'open', reason: storageReason(err) })
  }
  const commits = createGroupCommit(db, onCommit)
  const hosts = secretTable(db, 'host_secrets', ['tenant_id', 'host_id'])
  const tenants = secretTable(db, 'tenant_secrets', ['tenant_id'])
  const probe = db.prepare('SELECT 1 FROM tenant_secrets LIMIT 1')
  let closed = false

  function read(table: SecretTable, keys: string[], where: SecretStoreErrorDetails): AmtSecret | null {
    const record = query(where, () => table.get.get(...keys)?.record)
    return record === undefined ? null : secretIn(record, keys, where)
  }

  /** The host's versions, newest first (current included), each opened like a read. */
  function history(key: HostKey, limit: number): AmtSecretVersion[] {
    const keys = hostKeys(key)
    const where = idsOf(key)
    const rows = query(where, () => versions.list([key.tenantId, key.hostId], limit))
    return rows.map((row) => ({
      version: row.version,
      writtenAt: row.written_at,
      secret: secretIn(row.record, keys, where),
    }))
  }

  /** A synchronous query; a storage failure is SECRET_STORE_UNAVAILABLE. */
  function query<T>(where: SecretStoreErrorDetails, run: () => T): T {
    assertOpen()
    try {
      return run()
    } catch (err) {
      throw unavailable('read', err, where)
    }
  }

  /** The secret in a sealed record of the row `keys`. */
  function secretIn(record: string, keys: string[], where: SecretStoreErrorDetails): AmtSecret {
    const text = decrypt(record, keys, where)
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      throw new SecretStoreError('SECRET_STORE_CORRUPT', {
        operation: 'read',
        reason: 'the record is not JSON',
        ...where,
      })
    }
    return secretOf(data, where)
  }

  /** The record's JSON; SECRET_STORE_CORRUPT when not an envelope, sealed under an unknown key or not authentic. */
  function decrypt(record: string, keys: string[], where: SecretStoreErrorDetails): string {
    const corrupt = (reason: string) =>
      new SecretStoreError('SECRET_STORE_CORRUPT', { operation: 'read', reason, ...where })
    const envelope = envelopeOf(record)
    if (envelope === null) throw corrupt('the record is not an encrypted record')
    const kek = kekById(keyring, envelope.kek)
    const id = isKekId(envelope.kek) ? `'${envelope.kek}'` : 'a malformed id'
    if (kek === undefined) throw corrupt(`the record is sealed under key ${id}, which is not configured`)
    try {
      return open(envelope, pathOf(keys), kek)
    } catch {
      throw corrupt('the record does not authenticate (tampered with, or moved from another row)')
    }
  }

  /** Replaces (true); with onlyIfAbsent inserts only when no row exists (true) or leaves the stored one (false). */
  function write(
    table: SecretTable,
    keys: string[],
    secret: AmtSecret,
    options: PutOptions,
    where: SecretStoreErrorDetails,
  ): Promise<boolean> {
    assertOpen()
    const sealed = JSON.stringify(seal(JSON.stringify(recordOf(secret)), pathOf(keys), keyring.current))
    const values = [...keys, sealed]
    const onlyIfAbsent = options.onlyIfAbsent === true
    return committed('write', where, () => {
      if (table === hosts)
        return versions.write([keys[0] ?? '', keys[1] ?? ''], sealed, new Date().toISOString(), onlyIfAbsent)
      if (onlyIfAbsent) return table.create.run(...values).changes === 1
      table.upsert.run(...values)
      return true
    })
  }

  async function remove(table: SecretTable, keys: string[], where: SecretStoreErrorDetails): Promise<void> {
    assertOpen()
    await committed('delete', where, () =>
      table === hosts ? versions.remove([keys[0] ?? '', keys[1] ?? '']) : table.remove.run(...keys),
    )
  }

  /** Runs `change` in the next group commit; a failed commit rejects every caller of its batch alike. */
  async function committed<T>(operation: string, where: SecretStoreErrorDetails, change: () => T): Promise<T> {
    try {
      return await commits.submit(change)
    } catch (err) {
      throw unavailable(operation, err, where)
    }
  }

  function assertOpen(): void {
    if (closed) throw new SecretStoreError('SECRET_STORE_CLOSED')
  }

  return {
    kind: 'local',
    getAmtPassword: (key) => promised(() => read(hosts, hostKeys(key), idsOf(key))),
    getAmtPasswordHistory: (key, { limit = Number.POSITIVE_INFINITY } = {}) => promised(() => history(key, limit)),
    putAmtPassword: async (key, secret, options = {}) => write(hosts, hostKeys(key), secret, options, idsOf(key)),
    deleteHostSecrets: async (key) => remove(hosts, hostKeys(key), idsOf(key)),
    getTenantPassword: (tenantId) => promised(() => read(tenants, tenantKeys(tenantId), { tenantId })),
    putTenantPassword: async (tenantId, secret, options = {}) =>
      write(tenants, tenantKeys(tenantId), secret, options, { tenantId }),
    deleteTenantSecrets: async (tenantId) => remove(tenants, tenantKeys(tenantId), { tenantId }),
    health: () =>
      promised((): SecretStoreHealth => {
        if (closed) return { ok: false, kind: 'local', detail: 'closed' }
        try {
          probe.get()
          return { ok: true, kind: 'local' }
        } catch (err) {
          return { ok: false, kind: 'local', detail: `database not usable (${storageReason(err)})` }
        }
      }),
    /** Commits the writes still queued (their callers resolve), then closes the database. */
    close: () => {
      if (!closed) {
        closed = true
        commits.flush()
        db.close()
      }
      return Promise.resolve()
    },
  }
}

interface SecretTable {
  get: Database.Statement<string[], { record: string }>
  upsert: Database.Statement<string[]>
  create: Database.Statement<string[]>
  remove: Database.Statement<string[]>
}

/** The four statements of a secret table keyed by `keyColumns` (bound in that order), with the record last. */
function secretTable(db: Database.Database, table: string, keyColumns: string[]): SecretTable {
  const match = keyColumns.map((column) => `${column} = ?`).join(' AND ')
  const insert = `INSERT INTO ${table} (${keyColumns.join(', ')}, record) VALUES (${keyColumns.map(() => '?').join(', ')}, ?)`
  return {
    get: db.prepare<string[], { record: string }>(`SELECT record FROM ${table} WHERE ${match}`),
    upsert: db.prepare<string[]>(
      `${insert} ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET record = excluded.record`,
    ),
    create: db.prepare<string[]>(`${insert} ON CONFLICT DO NOTHING`),
    remove: db.prepare<string[]>(`DELETE FROM ${table} WHERE ${match}`),
  }
}

/** The key's ids in column order, checked with the id rule first (secret-paths.ts: SECRET_STORE_INVALID_KEY). */
function hostKeys(key: HostKey): string[] {
  hostSecretPath(key)
  return [key.tenantId, key.hostId]
}

function tenantKeys(tenantId: string): string[] {
  tenantSecretPath(tenantId)
  return [tenantId]
}

/** A synchronous query as the port's promise: its result resolves it, a throw rejects it. */
const promised = <T>(run: () => T): Promise<T> => new Promise((resolve) => resolve(run()))

/** The record path (additional authenticated data) of a row's key columns: [tenant] or [tenant, host]. */
const pathOf = (keys: string[]): string => recordPath(keys[0] ?? '', keys[1] ?? null)

const idsOf = ({ tenantId, hostId }: HostKey): SecretStoreErrorDetails => ({ tenantId, hostId })

/** One line per thing the start-up pass did (counts and the key id only). */
function logReport({ migrated, rotated, unreadable }: ResealReport, kek: string, log: Logger): void {
  if (migrated > 0) log.info({ records: migrated, kek }, 'encrypted clear-text secrets of an older release')
  if (rotated > 0) log.info({ records: rotated, kek }, 're-sealed secrets under the current key')
  const damaged = 'stored secrets that do not authenticate (damaged or tampered with); their reads fail'
  if (unreadable > 0) log.warn({ records: unreadable }, damaged)
}

/** A storage failure: only the SQLite / errno code is kept (never the path, the driver's message or a secret). */
function unavailable(operation: string, err: unknown, where: SecretStoreErrorDetails): SecretStoreError {
  return new SecretStoreError('SECRET_STORE_UNAVAILABLE', { operation, reason: storageReason(err), ...where })
}
