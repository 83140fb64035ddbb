import type { Logger } from '../../lib/log.ts'
import type { HostKey } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { ReportKind } from './facts.ts'
import { HostBudget, type BudgetRate } from './host-budget.ts'

/** Per-host rates of the reports that become audit rows (issue #12): across all connections of a host. */
export interface ReportBudgetOptions {
  /** `events`: default 1 per second, bursts of 60. */
  events?: BudgetRate
  /** `secret/req` (answered or refused, each a security audit event): default 1 per 15 s, bursts of 20. */
  secretRequests?: BudgetRate
}

export const DEFAULT_EVENT_BUDGET: BudgetRate = { perSecond: 1, burst: 60 }
export const DEFAULT_SECRET_REQUEST_BUDGET: BudgetRate = { perSecond: 1 / 15, burst: 20 }

/** Decides whether a report of a host is within its budget; a drop is counted, and logged once per host and minute. */
export type AdmitReport = (key: HostKey, kind: ReportKind) => boolean

export function createReportBudgets(options: ReportBudgetOptions, deps: { metrics: ManagerMetrics; log: Logger }): AdmitReport {
  const log = deps.log.child({ module: 'report-budget' })
  const budgets: Partial<Record<ReportKind, HostBudget>> = {
    events: new HostBudget(options.events ?? DEFAULT_EVENT_BUDGET),
    'secret/req': new HostBudget(options.secretRequests ?? DEFAULT_SECRET_REQUEST_BUDGET),
  }
  return (key, kind) => {
    const verdict = budgets[kind]?.take(`${key.tenantId}/${key.hostId}`) ?? { ok: true }
    if (verdict.ok) return true
    deps.metrics.budgetDrops.inc({ leaf: kind })
    deps.metrics.rejections.inc({ reason: 'rate-limited' })
    if (verdict.report !== undefined) {
      log.warn({ ...key, leaf: kind, dropped: verdict.report }, 'reports over the host budget dropped (logged once a minute per host)')
    }
    return false
  }
}
