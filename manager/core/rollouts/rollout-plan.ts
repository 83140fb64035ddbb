import type { Rollout, RolloutProgress, RolloutSchedule, RolloutState } from '../../rollouts/rollout.ts'
import { insideWindow } from './maintenance-window.ts'

/** One ramp interval: the rate is multiplied after each interval without a new failure. */
const RAMP_INTERVAL_MS = 60_000

interface Transition {
  state: RolloutState
  reason: string | null
}

/** What the engine does with an active rollout at one tick (decided without I/O). */
export interface Plan {
  /** A new state (a final one, or the end of the canary phase); null: stays. */
  transition: Transition | null
  /** The schedule to store when it changed (the ramp moved on); null: unchanged. */
  schedule: RolloutSchedule | null
  /** How many members may start now by concurrency and window (the rate's token bucket limits further). */
  slots: number
  /** Only canary members may start. */
  canaryOnly: boolean
}

const percent = (part: number, whole: number): string => `${Math.round((part / whole) * 1000) / 10} %`

/** Aborted when failures exceed the share once enough have finished; null otherwise. */
function abortOf(rollout: Rollout, progress: RolloutProgress): Transition | null {
  const rule = rollout.controls.abort
  if (rule === undefined) return null
  const finished = progress.succeeded + progress.failed
  if (finished < rule.minFinished || finished === 0) return null
  if ((progress.failed / finished) * 100 <= rule.failurePercent) return null
  return {
    state: 'aborted',
    reason:
      `abort rule: ${progress.failed} of ${finished} finished hosts failed ` +
      `(${((progress.failed / finished) * 100).toFixed(2)} % > ` +
      `${rule.failurePercent} %); ${progress.pending} hosts left untouched`,
  }
}

/** The end of the canary phase: approval waited for, automatic approval, or the canary's failure. */
function canaryVerdict(rollout: Rollout, progress: RolloutProgress): Transition | null {
  const canary = rollout.controls.canary
  if (canary === undefined || progress.canary.finished < progress.canary.targeted) return null
  const good = progress.succeeded + progress.skipped
  const judged = good + progress.failed
  const failedText = `${progress.failed} of ${progress.canary.targeted} canary hosts failed`
  if (canary.approval === 'manual') {
    if (progress.failed === 0) return { state: 'awaiting-approval', reason: 'canary finished without failures' }
    return { state: 'aborted', reason: `canary failed: ${failedText}; ${progress.pending} hosts left untouched` }
  }
  const share = judged === 0 ? 100 : (good / judged) * 100
  if (share >= canary.approval.successPercent)
    return {
      state: 'running',
      reason: `canary approved automatically: ${percent(good, Math.max(1, judged))} succeeded`,
    }
  return {
    state: 'aborted',
    reason:
      `canary failed: ${failedText} (success ${percent(good, judged)} < ${canary.approval.successPercent} %); ` +
      `${progress.pending} hosts left untouched`,
  }
}

/** The ramp's next rate when an interval passed (held when a member failed during it). */
function rampOf(rollout: Rollout, progress: RolloutProgress, nowMs: number): RolloutSchedule | null {
  const { ramp, maxStartsPerMinute } = rollout.controls
  const { schedule } = rollout
  if (ramp === undefined || schedule.intervalStartedAt === null) return null
  const started = Date.parse(schedule.intervalStartedAt)
  if (nowMs - started < RAMP_INTERVAL_MS) return null
  const clean = progress.failed === schedule.failedAtIntervalStart
  return {
    rate: clean ? Math.min(maxStartsPerMinute, schedule.rate * ramp.factor) : schedule.rate,
    intervalStartedAt: new Date(
      started + RAMP_INTERVAL_MS * Math.floor((nowMs - started) / RAMP_INTERVAL_MS),
    ).toISOString(),
    failedAtIntervalStart: progress.failed,
  }
}

/**
 * The tick's decision for an active rollout (canary, awaiting-approval, running), in order: the abort rule; a
 * completed membership; the end of the canary phase; then the starts allowed by maxConcurrent (members in progress
 * count) and the window (none outside it), and the ramp's next rate.
 */
export function planTick(rollout: Rollout, progress: RolloutProgress, now: Date): Plan {
  const idle: Plan = { transition: null, schedule: null, slots: 0, canaryOnly: false }
  const abort = abortOf(rollout, progress)
  if (abort !== null) return { ...idle, transition: abort }
  if (rollout.state === 'awaiting-approval') return idle
  if (rollout.state === 'canary') {
    const verdict = canaryVerdict(rollout, progress)
    if (verdict !== null) return { ...idle, transition: verdict }
  } else if (progress.pending === 0 && progress.inProgress === 0) {
    return { ...idle, transition: { state: 'completed', reason: null } }
  }
  const window = rollout.controls.window
  const open = window === undefined || insideWindow(window, now)
  const slots = open ? Math.max(0, rollout.controls.maxConcurrent - progress.inProgress) : 0
  return {
    transition: null,
    schedule: rampOf(rollout, progress, now.getTime()),
    slots,
    canaryOnly: rollout.state === 'canary',
  }
}

/** The first state of a new rollout and its schedule's first rate. */
export function initialState(rollout: Pick<Rollout, 'controls'>): { state: RolloutState; schedule: RolloutSchedule } {
  const { controls } = rollout
  return {
    state: controls.canary === undefined ? 'running' : 'canary',
    schedule: {
      rate:
        controls.ramp === undefined
          ? controls.maxStartsPerMinute
          : Math.min(controls.ramp.initial, controls.maxStartsPerMinute),
      intervalStartedAt: null,
      failedAtIntervalStart: 0,
    },
  }
}

/** How many members the canary takes: `hosts`, or `percent` of the targeted rounded up (at least 1). */
export function canaryCountOf(rollout: Pick<Rollout, 'controls'>, targeted: number): number {
  const canary = rollout.controls.canary
  if (canary === undefined) return 0
  const wanted = canary.hosts ?? Math.max(1, Math.ceil(((canary.percent ?? 0) / 100) * targeted))
  return Math.min(targeted, wanted)
}
