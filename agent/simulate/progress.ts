import { HOST_PHASES, type HostPhase } from './settle.ts'
import type { SimulatedHost } from './simulated-host.ts'

/** Counts over the fleet at one moment. */
export interface FleetProgress {
  total: number
  /** Agents started so far (the ramp). */
  started: number
  connected: number
  /** Hosts whose capability report says capable / not capable (neither before the first report). */
  capable: number
  notCapable: number
  phases: Record<HostPhase, number>
  settled: number
  allSettled: boolean
  /** Since start() was called. */
  elapsedMs: number
  /** From start() to the last host settling, once all have. */
  convergedMs: number | null
}

function emptyPhases(): Record<HostPhase, number> {
  return Object.fromEntries(HOST_PHASES.map((phase) => [phase, 0])) as Record<HostPhase, number>
}

export function countProgress(total: number, hosts: readonly SimulatedHost[], startedAt: number): FleetProgress {
  const phases = emptyPhases()
  let started = 0
  let connected = 0
  let capable = 0
  let notCapable = 0
  let settled = 0
  let lastSettle = 0
  for (const host of hosts) {
    const view = host.view()
    phases[view.phase] += 1
    if (view.started) started += 1
    if (view.connected) connected += 1
    if (view.capable === true) capable += 1
    if (view.capable === false) notCapable += 1
    if (view.settled) {
      settled += 1
      lastSettle = Math.max(lastSettle, view.settledAfterMs ?? 0)
    }
  }
  phases.PENDING += total - hosts.length
  const allSettled = total > 0 && settled === total
  return {
    total,
    started,
    connected,
    capable,
    notCapable,
    phases,
    settled,
    allSettled,
    elapsedMs: startedAt === 0 ? 0 : Date.now() - startedAt,
    convergedMs: allSettled ? lastSettle : null,
  }
}
