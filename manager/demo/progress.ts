import type { Host, Inventory } from '../inventory/port.ts'
import { DEMO_TENANT, type DemoHost, type Outcome } from './fleet-plan.ts'

/** How the demo sees one host, from the manager's Inventory (not from the simulator): the user's view. */
export type Stage = 'waiting' | 'activating' | Outcome

export interface HostProgress {
  demo: DemoHost
  host: Host
  stage: Stage
  settled: boolean
}

/**
 * Settled, as the manager knows it: NOT_SUPPORTED; or the agent reported on the requested generation (or a newer
 * one) and ended PROVISIONED or FAILED.
 */
function stageOf(host: Host, requestedGeneration: number): { stage: Stage; settled: boolean } {
  if (host.phase === 'NOT_SUPPORTED') return { stage: 'NOT_SUPPORTED', settled: true }
  const current = host.observedGeneration >= requestedGeneration
  if (current && host.phase === 'PROVISIONED' && host.currentState === 'PROVISIONED')
    return { stage: 'PROVISIONED', settled: true }
  if (current && host.phase === 'FAILED') return { stage: 'FAILED', settled: true }
  return { stage: host.phase === 'ACTIVATING' ? 'activating' : 'waiting', settled: false }
}

/** Reads the demo's hosts from Inventory, in plan order. */
export async function readProgress(
  inventory: Inventory,
  plan: readonly DemoHost[],
  requested: ReadonlyMap<string, number>,
): Promise<HostProgress[]> {
  return Promise.all(
    plan.map(async (demo) => {
      const host = await inventory.getHost({ tenantId: DEMO_TENANT, hostId: demo.hostId })
      return { demo, host, ...stageOf(host, requested.get(demo.hostId) ?? host.desiredGeneration) }
    }),
  )
}

const STAGE_ORDER: readonly Stage[] = ['waiting', 'activating', 'PROVISIONED', 'NOT_SUPPORTED', 'FAILED']
const STAGE_WORDS: Record<Stage, string> = {
  waiting: 'waiting',
  activating: 'activating',
  PROVISIONED: 'provisioned',
  NOT_SUPPORTED: 'not supported',
  FAILED: 'failed',
}

export function countStages(progress: readonly HostProgress[]): Record<Stage, number> {
  const counts = Object.fromEntries(STAGE_ORDER.map((stage) => [stage, 0])) as Record<Stage, number>
  for (const { stage } of progress) counts[stage] += 1
  return counts
}

/** `[ 3.1 s] 20 hosts: 2 waiting · 6 activating · 9 provisioned · 2 not supported · 1 failed` */
export function progressLine(progress: readonly HostProgress[], elapsedMs: number): string {
  const counts = countStages(progress)
  const parts = STAGE_ORDER.filter((stage) => counts[stage] > 0).map(
    (stage) => `${counts[stage]} ${STAGE_WORDS[stage]}`,
  )
  return `[${(elapsedMs / 1000).toFixed(1).padStart(5)} s] ${progress.length} hosts: ${parts.join(' · ')}`
}

export interface WatchOptions {
  read: () => Promise<HostProgress[]>
  /** Called with every reading. */
  onReading: (progress: HostProgress[]) => void
  intervalMs: number
  timeoutMs: number
  /** Stops watching early (e.g. on SIGINT). */
  stopped: Promise<unknown>
}

export type WatchResult = { kind: 'settled' | 'timeout'; progress: HostProgress[] } | { kind: 'stopped' }

/** Re-reads every `intervalMs` until every host settled, the timeout passed or `stopped` resolved. */
export async function watchUntilSettled({
  read,
  onReading,
  intervalMs,
  timeoutMs,
  stopped,
}: WatchOptions): Promise<WatchResult> {
  const started = Date.now()
  let stop = false
  void stopped.then(() => (stop = true))
  for (;;) {
    const progress = await read()
    onReading(progress)
    if (progress.every((host) => host.settled)) return { kind: 'settled', progress }
    if (Date.now() - started > timeoutMs) return { kind: 'timeout', progress }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, intervalMs))), stopped])
    clearTimeout(timer)
    if (stop) return { kind: 'stopped' }
  }
}
