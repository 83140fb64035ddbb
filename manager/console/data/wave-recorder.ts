import type { Logger } from '../../../lib/log.ts'
import type { HostChanges } from '../../core/publish/host-change-feed.ts'
import type { WaveCounts } from './fleet-summary.ts'
import type { WaveHistory } from './wave-history.ts'

/** Runs `run` after `ms`; returns its cancel. */
type Schedule = (run: () => void, ms: number) => () => void

export interface WaveRecorderDeps {
  /** The core's host-change feed. */
  changes: Pick<HostChanges, 'subscribeAll'>
  history: WaveHistory
  /** Counts a tenant's wave (the overview's count). */
  countWave: (tenantId: string) => Promise<WaveCounts>
  log: Logger
  /** At most one count of a tenant per this many milliseconds; default 2 s (the history's resolution). */
  intervalMs?: number
  /**
   * At most this share of the time goes to counting a tenant: a count that took d ms is followed by the next one
   * d / maxShare ms after its start at the earliest, when that is longer than the interval. Default 0.02: the grouped
   * query over 10 000 hosts takes ~30 ms on a quiet 2-core machine (every 2 s, as before) but ~150 ms on a loaded
   * one during a connection storm, when every reconnecting host is a change (every 7.5 s then, not every 2 s:
   * docs/benchmarks.md, "Connection storm: the 10 000 profile and third pass").
   */
  maxShare?: number
  /** Epoch milliseconds; default Date.now. */
  now?: () => number
  /** Default: an unref'd setTimeout. */
  schedule?: Schedule
}

interface TenantState {
  running: Promise<void> | null
  owed: boolean
  cancelTimer: (() => void) | null
  /** When the last count started. */
  last: number
  /** The earliest start of the next count after the last one, in ms after its start (interval or share). */
  gap: number
}

const defaultSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

/**
 * Records every tenant's activation wave in the history as its hosts change, whether or not a console page is
 * open: on a change of a tenant (the core's host-change feed) it counts the tenant's wave, at most once per
 * interval (longer when a count takes more than `maxShare` of it) and never twice at once per tenant; changes
 * during a count or within the interval owe one more count, made as soon as both allow (so the history ends on the
 * newest numbers). Returns `stop`: no count starts after it, and it resolves once the counts under way are done (the
 * Inventory may close then).
 */
export function recordWaves(deps: WaveRecorderDeps): () => Promise<void> {
  const { changes, history, countWave, intervalMs = 2_000, maxShare = 0.02, now = Date.now } = deps
  const { schedule = defaultSchedule } = deps
  const log = deps.log.child({ module: 'wave-recorder' })
  const tenants = new Map<string, TenantState>()
  let stopped = false
  let unsubscribe = (): void => undefined

  const count = async (tenantId: string, state: TenantState): Promise<void> => {
    try {
      const counts = await countWave(tenantId)
      state.gap = Math.max(intervalMs, (now() - state.last) / maxShare)
      await history.record(tenantId, counts, now())
    } catch (err) {
      log.warn({ err, tenantId }, 'counting the activation wave failed')
    }
  }
  const pump = (tenantId: string, state: TenantState): void => {
    if (stopped || !state.owed || state.running !== null || state.cancelTimer !== null) return
    const wait = state.last + state.gap - now()
    if (wait > 0) {
      state.cancelTimer = schedule(() => {
        state.cancelTimer = null
        pump(tenantId, state)
      }, wait)
      return
    }
    state.owed = false
    state.last = now()
    state.running = count(tenantId, state).finally(() => {
      state.running = null
      pump(tenantId, state)
    })
  }
  const changed = (tenantId: string): void => {
    let state = tenants.get(tenantId)
    if (state === undefined) {
      state = { running: null, owed: false, cancelTimer: null, last: Number.NEGATIVE_INFINITY, gap: intervalMs }
      tenants.set(tenantId, state)
    }
    state.owed = true
    pump(tenantId, state)
  }

  const stop = async (): Promise<void> => {
    stopped = true
    unsubscribe()
    for (const state of tenants.values()) state.cancelTimer?.()
    const running = [...tenants.values()].flatMap((state) => (state.running === null ? [] : [state.running]))
    await Promise.all(running)
  }
  unsubscribe = changes.subscribeAll({
    // What this replica wrote: another replica's changes are counted by that replica's recorder (one shared history).
    change: (change) => {
      if (change.origin === 'local') changed(change.tenantId)
    },
    closed: () => void stop(),
  })
  return stop
}
