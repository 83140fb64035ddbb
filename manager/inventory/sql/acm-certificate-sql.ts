import type { AcmCertificateFactsRecord, PutAcmCertificateInput, StoredAcmCertificate } from '../acm-certificate.ts'
import { ACM_CERTIFICATE_SOURCES } from '../acm-certificate.ts'
import { invalidInput } from '../errors.ts'
import { assertId } from '../host-patch.ts'

/** Tenants' ACM provisioning certificate facts in SQL, the same for every engine (table tenant_acm_certificates). */

export interface AcmCertificateRow {
  tenant_id: string
  source: string
  facts: string
  actor: string
  updated_at: string
}

export const ACM_CERTIFICATE_SQL = {
  list: 'SELECT * FROM tenant_acm_certificates WHERE tenant_id = ? ORDER BY source',
  upsert: `INSERT INTO tenant_acm_certificates (tenant_id, source, facts, actor, updated_at)
    VALUES (@tenant_id, @source, @facts, @actor, @updated_at)
    ON CONFLICT (tenant_id, source) DO UPDATE SET facts = excluded.facts, actor = excluded.actor,
      updated_at = excluded.updated_at`,
  delete: 'DELETE FROM tenant_acm_certificates WHERE tenant_id = ? AND source = ?',
} as const

export const acmCertificateFromRow = (row: AcmCertificateRow): StoredAcmCertificate => ({
  tenantId: row.tenant_id,
  source: row.source as StoredAcmCertificate['source'],
  ...(JSON.parse(row.facts) as AcmCertificateFactsRecord),
  actor: row.actor,
  updatedAt: row.updated_at,
})

/** The row to store for `input` (validated: the source, the times, the suffix). */
export function acmCertificateRow(input: PutAcmCertificateInput, now: Date): AcmCertificateRow {
  assertId('tenantId', input.tenantId)
  assertAcmSource(input.source)
  const { domainSuffix, commonName, notBefore, notAfter, root } = input.facts
  if (typeof domainSuffix !== 'string' || domainSuffix.length === 0 || domainSuffix.length > 255)
    throw invalidInput('invalid ACM certificate domain suffix')
  if (Number.isNaN(Date.parse(notBefore)) || Number.isNaN(Date.parse(notAfter)))
    throw invalidInput('invalid ACM certificate validity')
  const facts: AcmCertificateFactsRecord = {
    domainSuffix,
    commonName,
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    root: root === null ? null : { commonName: root.commonName, sha256: root.sha256, sha384: root.sha384 },
  }
  return {
    tenant_id: input.tenantId,
    source: input.source,
    facts: JSON.stringify(facts),
    actor: input.actor,
    updated_at: now.toISOString(),
  }
}

export function assertAcmSource(source: string): void {
  if (!(ACM_CERTIFICATE_SOURCES as readonly string[]).includes(source))
    throw invalidInput('invalid ACM certificate source')
}
