import type { RoundTripResult, ThroughputResult } from './load.ts'

/** Everything measured for one broker over all rounds. */
export interface TargetResults {
  name: string
  roundTrips: RoundTripResult[]
  selfRoundTrips: RoundTripResult[]
  throughputs: ThroughputResult[]
  /** Broker process CPU (ms) spent during the throughput runs; undefined without /proc. */
  brokerCpuMs: number | undefined
  /** Load generator CPU (ms) spent during the throughput runs. */
  clientCpuMs: number
}

export interface Summary {
  name: string
  rtt: LatencySummary
  selfRtt: LatencySummary
  /** Median, min and max of the rounds' msg/s. */
  throughput: { median: number; min: number; max: number; capped: boolean }
  brokerCpuUsPerMessage: number | undefined
  clientCpuPercent: number
}

export interface LatencySummary {
  samples: number
  p50: number
  p99: number
  capped: boolean
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

function latency(results: readonly RoundTripResult[]): LatencySummary {
  const pooled = results.flatMap((result) => result.latencies).sort((a, b) => a - b)
  return {
    samples: pooled.length,
    p50: percentile(pooled, 50),
    p99: percentile(pooled, 99),
    capped: results.some((result) => result.capped),
  }
}

export function summarize(results: TargetResults): Summary {
  const rates = results.throughputs.map((result) => result.perSecond).sort((a, b) => a - b)
  const messages = results.throughputs.reduce((sum, result) => sum + result.messages, 0)
  const elapsedMs = results.throughputs.reduce((sum, result) => sum + result.elapsedMs, 0)
  return {
    name: results.name,
    rtt: latency(results.roundTrips),
    selfRtt: latency(results.selfRoundTrips),
    throughput: {
      median: percentile(rates, 50),
      min: rates[0] ?? Number.NaN,
      max: rates.at(-1) ?? Number.NaN,
      capped: results.throughputs.some((result) => result.capped),
    },
    brokerCpuUsPerMessage:
      results.brokerCpuMs === undefined || messages === 0 ? undefined : (results.brokerCpuMs * 1000) / messages,
    clientCpuPercent: (results.clientCpuMs / elapsedMs) * 100,
  }
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits)

/** A Markdown table, one row per broker. */
export function table(summaries: readonly Summary[]): string {
  const header = [
    'broker',
    'RTT p50 ms',
    'RTT p99 ms',
    'n',
    '1-conn p50 ms',
    '1-conn p99 ms',
    'n',
    'msg/s median (min–max)',
    'broker CPU µs/msg',
    'client CPU %',
  ]
  const n = (l: LatencySummary): string => `${l.samples}${l.capped ? ' (time cap)' : ''}`
  const rows = summaries.map((s) => [
    s.name,
    fixed(s.rtt.p50, 3),
    fixed(s.rtt.p99, 3),
    n(s.rtt),
    fixed(s.selfRtt.p50, 3),
    fixed(s.selfRtt.p99, 3),
    n(s.selfRtt),
    `${Math.round(s.throughput.median)} (${Math.round(s.throughput.min)}–${Math.round(s.throughput.max)})${s.throughput.capped ? ' time cap' : ''}`,
    fixed(s.brokerCpuUsPerMessage, 1),
    fixed(s.clientCpuPercent, 0),
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}

/** ours ÷ other for each figure (latency and CPU: lower is better; throughput: higher is better). */
export function ratios(ours: Summary, other: Summary): string {
  const ratio = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined || !(b > 0) ? '-' : `${(a / b).toFixed(2)}×`
  return (
    `ours / ${other.name}: RTT p50 ${ratio(ours.rtt.p50, other.rtt.p50)}, RTT p99 ${ratio(ours.rtt.p99, other.rtt.p99)}, ` +
    `1-conn p50 ${ratio(ours.selfRtt.p50, other.selfRtt.p50)}, throughput ${ratio(ours.throughput.median, other.throughput.median)}, ` +
    `broker CPU/msg ${ratio(ours.brokerCpuUsPerMessage, other.brokerCpuUsPerMessage)}`
  )
}
