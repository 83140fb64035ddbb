import { z } from 'zod'
import { DEFAULT_AUDIT_RETENTION } from '../core/audit-retention.ts'
import { DEFAULT_EVENT_BUDGET, DEFAULT_SECRET_REQUEST_BUDGET, type ReportRate } from '../core/report-budgets.ts'

/** A per-host rate: `perMinute` on average, bursts of up to `burst` (a token bucket); defaults: the core's. */
const Rate = (defaults: ReportRate) =>
  z
    .strictObject({
      perMinute: z.number().positive().max(600_000).default(defaults.perMinute),
      burst: z.int().min(1).max(100_000).default(defaults.burst),
    })
    .prefault({})

const retention = DEFAULT_AUDIT_RETENTION

/**
 * `audit` (docs/operations.md, docs/inventory.md): retention of device chatter (activity events; security events are
 * kept apart and only pruned by securityMaxAgeDays when set) and the per-host budgets of the reports that become
 * audit rows (events; secret/req, audited as security events). The core takes the section as it is (its `audit`
 * option); the defaults are the core's (audit-retention.ts, report-budgets.ts).
 */
export const AuditSection = z
  .strictObject({
    retention: z
      .strictObject({
        maxAgeDays: z.int().min(1).max(36_500).default(retention.maxAgeDays),
        maxEventsPerHost: z.int().min(10).max(10_000_000).default(retention.maxEventsPerHost),
        securityMaxAgeDays: z.int().min(1).max(36_500).optional(),
        intervalMs: z.int().min(1000).max(86_400_000).default(retention.intervalMs),
        batchSize: z.int().min(10).max(10_000).default(retention.batchSize),
      })
      .prefault({}),
    events: Rate(DEFAULT_EVENT_BUDGET),
    secretRequests: Rate(DEFAULT_SECRET_REQUEST_BUDGET),
  })
  .prefault({})
export type AuditSection = z.infer<typeof AuditSection>
