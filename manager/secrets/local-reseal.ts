import type Database from 'better-sqlite3'
import { envelopeOf, reseal, seal, type Envelope } from './envelope.ts'
import { SecretStoreError } from './errors.ts'
import { isKekId, kekById, type Keyring } from './local-keys.ts'
import { secretOf } from './secret-paths.ts'

/** What the start-up pass did: clear-text rows encrypted, rows re-sealed under the current KEK, rows left alone. */
export interface ResealReport {
  migrated: number
  rotated: number
  /** Rows that neither decode nor authenticate (damaged or tampered with); their reads fail SECRET_STORE_CORRUPT. */
  unreadable: number
}

interface Row {
  table: 'host_secrets' | 'tenant_secrets' | 'host_secret_history'
  tenant_id: string
  host_id: string | null
  /** host_secret_history only: the version's number. */
  version: number | null
  record: string
}

/** The path a record is bound to (AES-GCM additional data): the Vault layout's, `<tenant>/hosts/<host>`. */
export function recordPath(tenantId: string, hostId: string | null): string {
  return hostId === null ? `${tenantId}/tenant` : `${tenantId}/hosts/${hostId}`
}

/**
 * The start-up pass over every row (host versions kept as history included), in ONE transaction (a failure leaves the file as it was):
 * clear-text records of an older release are encrypted under the current KEK, records sealed under a previous
 * KEK are re-sealed under the current one (rotation). Refuses to start (SECRET_STORE_KEK_REFUSED, naming the
 * key id) when records are sealed under a key id that is not configured, or when a configured key opens none of
 * the records sealed under its id (a wrong key). A single row that does not authenticate while others of its key
 * do is left alone and counted (`unreadable`): it was tampered with, and only its reads fail.
 */
export function resealAtStart(db: Database.Database, ring: Keyring): ResealReport {
  const rows = db.prepare<[], Row>(
    `SELECT 'host_secrets' AS "table", tenant_id, host_id, NULL AS version, record FROM host_secrets
     UNION ALL SELECT 'tenant_secrets', tenant_id, NULL, NULL, record FROM tenant_secrets
     UNION ALL SELECT 'host_secret_history', tenant_id, host_id, version, record FROM host_secret_history`,
  )
  const updateHost = db.prepare('UPDATE host_secrets SET record = ? WHERE tenant_id = ? AND host_id = ?')
  const updateTenant = db.prepare('UPDATE tenant_secrets SET record = ? WHERE tenant_id = ?')
  const updateHistory = db.prepare(
    'UPDATE host_secret_history SET record = ? WHERE tenant_id = ? AND host_id = ? AND version = ?',
  )
  const pass = db.transaction((): ResealReport => {
    const report: ResealReport = { migrated: 0, rotated: 0, unreadable: 0 }
    const opened = new Map<string, { ok: number; failed: number }>()
    for (const row of rows.all()) {
      const where = recordPath(row.tenant_id, row.host_id)
      const store = (envelope: Envelope): void => {
        const text = JSON.stringify(envelope)
        if (row.table === 'tenant_secrets') updateTenant.run(text, row.tenant_id)
        else if (row.table === 'host_secrets') updateHost.run(text, row.tenant_id, row.host_id)
        else updateHistory.run(text, row.tenant_id, row.host_id, row.version)
      }
      const envelope = envelopeOf(row.record)
      if (envelope === null) {
        const clear = clearRecord(row.record)
        if (clear === null) report.unreadable++
        else {
          store(seal(clear, where, ring.current))
          report.migrated++
        }
        continue
      }
      const count = opened.get(envelope.kek) ?? { ok: 0, failed: 0 }
      opened.set(envelope.kek, count)
      const kek = kekById(ring, envelope.kek)
      if (kek === undefined) continue
      try {
        const resealed = reseal(envelope, where, kek, ring.current)
        count.ok++
        if (kek !== ring.current) {
          store(resealed)
          report.rotated++
        }
      } catch {
        count.failed++
        report.unreadable++
      }
    }
    refuseUnopened(opened, ring)
    return report
  })
  return pass.immediate()
}

/** A clear-text record of an older release, re-serialised; null when it is not one. */
function clearRecord(text: string): string | null {
  try {
    return JSON.stringify(secretOf(JSON.parse(text), {}))
  } catch {
    return null
  }
}

function refuseUnopened(opened: Map<string, { ok: number; failed: number }>, ring: Keyring): void {
  const missing = [...opened.keys()].filter((id) => kekById(ring, id) === undefined)
  if (missing.length > 0) {
    throw refused(
      `stored secrets are sealed under key id(s) ${quoted(missing)}, which no configured key has ` +
        '(configure it as the current or a previous key)',
    )
  }
  const wrong = [...opened].filter(([, count]) => count.ok === 0 && count.failed > 0).map(([id]) => id)
  if (wrong.length > 0) {
    throw refused(
      `the configured key(s) ${quoted(wrong)} open none of the secrets sealed under that id ` +
        '(wrong key for this database)',
    )
  }
}

const quoted = (ids: string[]): string => ids.map((id) => (isKekId(id) ? `'${id}'` : '(a malformed id)')).join(', ')

function refused(reason: string): SecretStoreError {
  return new SecretStoreError('SECRET_STORE_KEK_REFUSED', { operation: 'open', reason })
}
