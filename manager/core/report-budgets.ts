import type { Logger } from '../../lib/log.ts'
import type { HostKey } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import type { ReportKind } from './facts.ts'
import { HostBudget } from './host-budget.ts'

/** A per-host rate as config `audit.events` and `audit.secretRequests` give it: perMinute on average, burst at once. */
export interface ReportRate {
  perMinute: number
  burst: number
}

/** Per-host rates of the reports that become audit rows (issue #12): across all connections of a host. */
export interface ReportBudgetOptions {
  /** `events`: default DEFAULT_EVENT_BUDGET. */
  events?: ReportRate
  /** `secret/req` (answered or refused, each a security audit event): default DEFAULT_SECRET_REQUEST_BUDGET. */
  secretRequests?: ReportRate
}

/** 1 per second on average, bursts of 60. */
export const DEFAULT_EVENT_BUDGET: Readonly<ReportRate> = { perMinute: 60, burst: 60 }
/** 1 per 15 s on average, bursts of 20. */
export const DEFAULT_SECRET_REQUEST_BUDGET: Readonly<ReportRate> = { perMinute: 4, burst: 20 }

/** Decides whether a report of a host is within its budget; a drop is counted, and logged once per host and minute. */
export type AdmitReport = (key: HostKey, kind: ReportKind) => boolean

/** `now` (ms): the buckets' clock, default Date.now (tests pass their own). */
export function createReportBudgets(
  options: ReportBudgetOptions,
  deps: { metrics: ManagerMetrics; log: Logger; now?: () => number },
): AdmitReport {
  const log = deps.log.child({ module: 'report-budget' })
  const clock = deps.now ? { now: deps.now } : {}
  const budget = ({ perMinute, burst }: ReportRate) => new HostBudget({ perSecond: perMinute / 60, burst }, clock)
  const budgets: Partial<Record<ReportKind, HostBudget>> = {
    events: budget(options.events ?? DEFAULT_EVENT_BUDGET),
    'secret/req': budget(options.secretRequests ?? DEFAULT_SECRET_REQUEST_BUDGET),
  }
  return (key, kind) => {
    const verdict = budgets[kind]?.take(`${key.tenantId}/${key.hostId}`) ?? { ok: true }
    if (verdict.ok) return true
    deps.metrics.budgetDrops.inc({ leaf: kind })
    deps.metrics.rejections.inc({ reason: 'rate-limited' })
    if (verdict.report !== undefined) {
      log.warn(
        { ...key, leaf: kind, dropped: verdict.report },
        'reports over the host budget dropped (logged once a minute per host)',
      )
    }
    return false
  }
}
