/**
 * How a simulator process of the fleet benchmark is coping: its event loop's delay and its garbage collections since
 * it started. A simulator starved of CPU (two cores shared with brokers and the manager) or stalled by a long GC
 * fires its agents' connect and keepalive timers late, before it reads the answers waiting in its sockets: its
 * agents then give up on logins the broker already answered, and retry — load the broker did not cause. These
 * figures tell such a run apart from a slow server.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import type { MetricSample } from '../helpers/metrics-text.ts'

export interface SimHealth {
  /** The longest event-loop delay seen, ms. */
  lagMaxMs: number
  /** 99th percentile of the event-loop delay, ms. */
  lagP99Ms: number
  /** Time spent in garbage collection, ms, and the longest single pause. */
  gcMs: number
  gcMaxMs: number
}

/** Starts watching this process; the returned function reads the figures since then. */
export function watchSimHealth(): () => SimHealth {
  const delay = monitorEventLoopDelay({ resolution: 20 })
  delay.enable()
  let gcMs = 0
  let gcMaxMs = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration
      gcMaxMs = Math.max(gcMaxMs, entry.duration)
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  return () => ({
    lagMaxMs: delay.max / 1e6,
    lagP99Ms: delay.percentile(99) / 1e6,
    gcMs,
    gcMaxMs,
  })
}

/** One line for a log: the worst of several simulators and their GC in all. */
export function describeSimHealth(list: readonly SimHealth[]): string {
  if (list.length === 0) return 'no simulator figures'
  const worst = (pick: (health: SimHealth) => number): string => (Math.max(...list.map(pick)) / 1000).toFixed(1)
  const gc = list.reduce((sum, health) => sum + health.gcMs, 0) / 1000
  return (
    `simulators' event loop: delay max ${worst((h) => h.lagMaxMs)} s, p99 ${worst((h) => h.lagP99Ms)} s; ` +
    `GC ${gc.toFixed(1)} s in all, longest pause ${worst((h) => h.gcMaxMs)} s`
  )
}

/** The brokers' refused and closed connections by reason, from their /metrics: what the devices' retries were. */
export function describeBrokerCloses(samples: readonly MetricSample[]): string {
  const byReason = (name: string): string => {
    const counts = new Map<string, number>()
    for (const sample of samples)
      if (sample.name === name) {
        const reason = sample.labels.reason ?? '?'
        counts.set(reason, (counts.get(reason) ?? 0) + sample.value)
      }
    const list = [...counts].filter(([, count]) => count > 0)
    return list.length === 0 ? 'none' : list.map(([reason, count]) => `${reason} ${count}`).join(', ')
  }
  return (
    `brokers refused: ${byReason('amt_broker_connections_refused_total')}; ` +
    `closed: ${byReason('amt_broker_connections_closed_total')}`
  )
}
