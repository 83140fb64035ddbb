import type { FleetProgress } from './progress.ts'
import type { HostView } from './simulated-host.ts'
import { HOST_PHASES } from './settle.ts'

/** The final report of a simulation run (`--json` prints it as is). No credentials. */
export interface SimulationSummary {
  hosts: number
  seed: number | string
  /** True when every host settled; false when interrupted or timed out first. */
  allSettled: boolean
  settled: number
  /** How the run ended. */
  ended: 'settled' | 'signal' | 'timeout'
  /** From start to the last host settling (null unless all settled). */
  convergedMs: number | null
  elapsedMs: number
  /** Time to settle per host from the fleet's start. */
  settleMs: { p50: number; p90: number; max: number } | null
  phases: FleetProgress['phases']
  connected: number
  capable: number
  notCapable: number
  kinds: Record<string, number>
  /** FAILED hosts with their rpc error (at most 50). */
  failed: Array<{ tenantId: string; hostId: string; code: number | null; name: string }>
  /** Hosts not settled (at most 50). */
  unsettled: Array<{ tenantId: string; hostId: string; phase: string }>
  /** RSS now, and its growth since before the agents started divided by their number (null for fewer than 100). */
  memory: { rssBytes: number; perAgentBytes: number | null }
}

const LIST_LIMIT = 50
/** Below this many agents the RSS delta is mostly code warming up, not agents. */
const PER_AGENT_MIN = 100

export function summarize(input: {
  progress: FleetProgress
  hosts: readonly HostView[]
  seed: number | string
  ended: SimulationSummary['ended']
  rssBefore: number
}): SimulationSummary {
  const { progress, hosts, seed, ended, rssBefore } = input
  const kinds: Record<string, number> = {}
  for (const host of hosts) kinds[host.kind] = (kinds[host.kind] ?? 0) + 1
  const times = hosts
    .flatMap((host) => (host.settledAfterMs === null ? [] : [host.settledAfterMs]))
    .sort((a, b) => a - b)
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0
  const rssBytes = process.memoryUsage.rss()
  return {
    hosts: progress.total,
    seed,
    allSettled: progress.allSettled,
    settled: progress.settled,
    ended,
    convergedMs: progress.convergedMs,
    elapsedMs: progress.elapsedMs,
    settleMs: times.length === 0 ? null : { p50: at(0.5), p90: at(0.9), max: times.at(-1) ?? 0 },
    phases: progress.phases,
    connected: progress.connected,
    capable: progress.capable,
    notCapable: progress.notCapable,
    kinds,
    failed: hosts
      .filter((host) => host.phase === 'FAILED')
      .slice(0, LIST_LIMIT)
      .map(({ tenantId, hostId, error }) => ({
        tenantId,
        hostId,
        code: error?.code ?? null,
        name: error?.name ?? 'unknown',
      })),
    unsettled: hosts
      .filter((host) => !host.settled)
      .slice(0, LIST_LIMIT)
      .map(({ tenantId, hostId, phase }) => ({ tenantId, hostId, phase })),
    memory: {
      rssBytes,
      perAgentBytes: progress.started >= PER_AGENT_MIN ? Math.round((rssBytes - rssBefore) / progress.started) : null,
    },
  }
}

/** Counts by phase, zero phases left out: `PROVISIONED 150 · ACTIVATING 30`. */
function formatPhases(phases: FleetProgress['phases']): string {
  return HOST_PHASES.filter((phase) => phases[phase] > 0)
    .map((phase) => `${phase} ${phases[phase]}`)
    .join(' · ')
}

/** One progress line. */
export function formatProgress(progress: FleetProgress): string {
  const seconds = (progress.elapsedMs / 1000).toFixed(1)
  const started = progress.started < progress.total ? ` · started ${progress.started}` : ''
  return `[${seconds}s] ${progress.total} hosts${started} · connected ${progress.connected} · capable ${progress.capable} · ${formatPhases(progress.phases)} · settled ${progress.settled}/${progress.total}`
}

/** The human-readable summary. */
export function formatSummary(summary: SimulationSummary): string[] {
  const converged =
    summary.convergedMs === null
      ? `not converged (${summary.ended})`
      : `converged in ${(summary.convergedMs / 1000).toFixed(2)} s`
  const lines = [
    `${summary.hosts} hosts (seed ${summary.seed}): ${converged}; ${summary.settled}/${summary.hosts} settled`,
    `  phases: ${formatPhases(summary.phases)}`,
    `  kinds: ${Object.entries(summary.kinds)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(' · ')}; capable ${summary.capable}, not capable ${summary.notCapable}`,
  ]
  if (summary.settleMs)
    lines.push(
      `  time to settle: p50 ${summary.settleMs.p50} ms · p90 ${summary.settleMs.p90} ms · max ${summary.settleMs.max} ms`,
    )
  for (const failed of summary.failed)
    lines.push(`  FAILED ${failed.tenantId}/${failed.hostId}: ${failed.code ?? '-'} ${failed.name}`)
  for (const host of summary.unsettled.slice(0, 10))
    lines.push(`  unsettled ${host.tenantId}/${host.hostId}: ${host.phase}`)
  const perAgent =
    summary.memory.perAgentBytes === null ? '' : ` (~${Math.round(summary.memory.perAgentBytes / 1024)} KiB per agent)`
  lines.push(`  memory: RSS ${Math.round(summary.memory.rssBytes / 1048576)} MiB${perAgent}`)
  return lines
}
