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
}

const defaultSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

/**
 * Records every tenant's activation wave in the history as its hosts change, whether or not a console page is
 * open: on a change of a tenant (the core's host-change feed) it counts the tenant's wave, at most once per
 * interval and never twice at once per tenant; changes during a count or within the interval owe one more count,
 * made as soon as both allow (so the history ends on the newest numbers). Returns `stop`: no count starts after
 * it, and it resolves once the counts under way are done (the Inventory may close then).
 */
export function recordWaves(deps: WaveRecorderDeps): () => Promise<void> {
  const { changes, history, countWave, intervalMs = 2_000, now = Date.now, schedule = defaultSchedule } = deps
  const log = deps.log.child({ module: 'wave-recorder' })
  const tenants = new Map<string, TenantState>()
  let stopped = false
  let unsubscribe = (): void => undefined

  const count = async (tenantId: string): Promise<void> => {
    try {
      await history.record(tenantId, await countWave(tenantId), now())
    } catch (err) {
      log.warn({ err, tenantId }, 'counting the activation wave failed')
    }
  }
  const pump = (tenantId: string, state: TenantState): void => {
    if (stopped || !state.owed || state.running !== null || state.cancelTimer !== null) return
    const wait = state.last + intervalMs - now()
    if (wait > 0) {
      state.cancelTimer = schedule(() => {
        state.cancelTimer = null
        pump(tenantId, state)
      }, wait)
      return
    }
    state.owed = false
    state.last = now()
    state.running = count(tenantId).finally(() => {
      state.running = null
      pump(tenantId, state)
    })
  }
  const changed = (tenantId: string): void => {
    let state = tenants.get(tenantId)
    if (state === undefined) {
      state = { running: null, owed: false, cancelTimer: null, last: Number.NEGATIVE_INFINITY }
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
