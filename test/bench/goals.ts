/** The benchmarks' goals (issue 19), printed beside the figures they judge: scripts print, nothing asserts. */

export interface Goal {
  /** What the figure is, e.g. "wave at 10000 hosts". */
  what: string
  unit: string
  /** `at-most`: the figure must not exceed `limit` (a time); `at-least`: it must reach it (a rate, a ratio). */
  kind: 'at-most' | 'at-least'
  limit: number
  /** Where the goal comes from. */
  source: string
}

export const GOALS = {
  wave10k: { what: 'activation wave, 10000 hosts', unit: 's', kind: 'at-most', limit: 5, source: 'issue 19' },
  ingestWorst: { what: 'ingest worst case / raw aedes', unit: '×', kind: 'at-least', limit: 0.5, source: 'issue 19' },
  ingestSteady: { what: 'ingest steady / raw aedes', unit: '×', kind: 'at-least', limit: 0.8, source: 'issue 19' },
  brokerRtt: { what: 'broker RTT p50', unit: '×', kind: 'at-most', limit: 1, source: 'issue 19' },
  brokerCpu: { what: 'broker CPU per message', unit: '×', kind: 'at-most', limit: 1, source: 'issue 19' },
  /** kB = 1000 bytes: (RSS idle with every node connected − RSS with the hosts in Inventory, none connected) / nodes. */
  memoryPerNode: {
    what: 'manager + broker RSS per connected node over the base, 10000 nodes idle',
    unit: 'kB',
    kind: 'at-most',
    limit: 10,
    source: 'issue 19',
  },
  rolloutRate: { what: 'rollout rate off the asked rate', unit: '%', kind: 'at-most', limit: 5, source: 'issue 18' },
  /** The limit is one rate interval's starts (rate / 60 for the engine's tick of 1 s): set by the caller. */
  rolloutAbort: {
    what: 'starts between the abort threshold crossing and the abort',
    unit: 'starts',
    kind: 'at-most',
    limit: 0,
    source: 'issue 18',
  },
} as const satisfies Record<string, Goal>

/** "goal (issue 19): activation wave, 10000 hosts 7.90 s, goal ≤ 5 s: missed by 58 %" — or "met". */
export function goalLine(goal: Goal, value: number, digits = 2): string {
  const met = goal.kind === 'at-most' ? value <= goal.limit : value >= goal.limit
  const sign = goal.kind === 'at-most' ? '≤' : '≥'
  const unit = goal.unit === '×' ? '' : ` ${goal.unit}`
  const off = goal.kind === 'at-most' ? value / goal.limit - 1 : 1 - value / goal.limit
  const verdict = met ? 'met' : `missed by ${Math.round(off * 100)} %`
  return `goal (${goal.source}): ${goal.what} ${value.toFixed(digits)}${unit}, goal ${sign} ${goal.limit}${unit}: ${verdict}`
}
