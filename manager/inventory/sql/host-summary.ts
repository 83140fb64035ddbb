import {
  HOST_CAPABILITIES,
  HOST_CONDITIONS,
  type HostCapability,
  type HostCondition,
  type HostSummary,
} from '../port.ts'

/** One group of the summary query (host-query.ts). */
export interface SummaryRow {
  capability: HostCapability
  condition: HostCondition
  online: number
  count: number
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>

/** Folds the groups into counts, every capability and condition present (0 when none). */
export function summaryOf(rows: readonly SummaryRow[]): HostSummary {
  const summary: HostSummary = {
    total: 0,
    online: 0,
    offline: 0,
    byCapability: zeros(HOST_CAPABILITIES),
    byCondition: zeros(HOST_CONDITIONS),
  }
  for (const { capability, condition, online, count } of rows) {
    summary.total += count
    if (online === 1) summary.online += count
    else summary.offline += count
    summary.byCapability[capability] += count
    summary.byCondition[condition] += count
  }
  return summary
}
