import { z } from 'zod'
import type { AuditRetentionPolicy } from '../core/audit-retention.ts'
import type { ReportBudgetOptions } from '../core/report-budgets.ts'

/** A per-host rate: `perMinute` on average, bursts of up to `burst` (a token bucket). */
const Rate = (perMinute: number, burst: number) =>
  z.strictObject({ perMinute: z.number().positive().max(600_000).default(perMinute), burst: z.int().min(1).max(100_000).default(burst) }).prefault({})

/**
 * `audit` (docs/operations.md, docs/inventory.md): retention of device chatter (activity events; security events are
 * kept apart and only pruned by securityMaxAgeDays when set) and the per-host budgets of the reports that become
 * audit rows (events; secret/req, audited as security events).
 */
export const AuditSection = z
  .strictObject({
    retention: z
      .strictObject({
        maxAgeDays: z.int().min(1).max(36_500).default(30),
        maxEventsPerHost: z.int().min(10).max(10_000_000).default(1000),
        securityMaxAgeDays: z.int().min(1).max(36_500).optional(),
        intervalMs: z.int().min(1000).max(86_400_000).default(300_000),
        batchSize: z.int().min(10).max(10_000).default(500),
      })
      .prefault({}),
    events: Rate(60, 60),
    secretRequests: Rate(4, 20),
  })
  .prefault({})
export type AuditSection = z.infer<typeof AuditSection>

/** The manager core options of the section. */
export function auditOptions(audit: AuditSection): { auditRetention: AuditRetentionPolicy; budgets: ReportBudgetOptions } {
  const rate = ({ perMinute, burst }: { perMinute: number; burst: number }) => ({ perSecond: perMinute / 60, burst })
  return { auditRetention: audit.retention, budgets: { events: rate(audit.events), secretRequests: rate(audit.secretRequests) } }
}
