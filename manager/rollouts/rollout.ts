import type { HostFilter } from '../inventory/host-filter.ts'
import { ROLLOUT_STATES } from '../../schemas/rollout-progress.ts'

/**
 * A rollout: one change to many hosts of a tenant (docs/rollouts.md), started host by host under controls. The
 * target is resolved to its members when the rollout is created: the membership (in its order) is fixed and visible.
 */

export { ROLLOUT_STATES }
export type RolloutState = (typeof ROLLOUT_STATES)[number]

/** States the engine works on (starts hosts, follows outcomes, decides transitions). */
export const ACTIVE_STATES: readonly RolloutState[] = ['canary', 'awaiting-approval', 'running']
/** States nothing leaves. */
export const FINAL_STATES: readonly RolloutState[] = ['aborted', 'cancelled', 'completed']

export const isFinalState = (state: RolloutState): boolean => FINAL_STATES.includes(state)

/**
 * A desired-state action: what each member gets is the desired request of setDesired
 * (manager/core/flows/set-desired.ts). Stored rollouts from before rotation rollouts have no `kind`: desired state.
 */
export interface DesiredStateAction {
  kind?: 'desired-state'
  state: 'PROVISIONED' | 'UNPROVISIONED'
  controlMode?: 'ACM' | 'CCM'
  dnsSuffix?: string
}

/** An AMT password rotation of each member (manager/core/flows/rotate-password.ts, docs/credentials.md "Rotation"). */
export interface RotationAction {
  kind: 'rotate-password'
}

export type RolloutAction = DesiredStateAction | RotationAction

export const isRotation = (action: RolloutAction): action is RotationAction => action.kind === 'rotate-password'

/** The action in words (console, CLI): `rotate-password`, or the desired state with its mode and DNS suffix. */
export const actionText = (action: RolloutAction): string =>
  isRotation(action)
    ? 'rotate-password'
    : [action.state, action.controlMode, action.dnsSuffix].filter((part) => part !== undefined).join(' ')

/** Hosts named explicitly, or every host of the tenant matching a filter when the rollout is created. */
export type RolloutTarget = { hostIds: readonly string[] } | { filter: HostFilter }

type CanaryApproval = 'manual' | { successPercent: number }

export interface RolloutControls {
  /** Members in progress (desired set, no outcome yet) at most. */
  maxConcurrent: number
  /** Starts per minute at most (a token bucket: never a burst above the rate). */
  maxStartsPerMinute: number
  /** Exponential ramp: start at `initial` starts/min, multiply by `factor` after each minute without a failure. */
  ramp?: { initial: number; factor: number }
  /** The first members (`hosts`, or `percent` of the targeted, rounded up) go first, then wait for approval. */
  canary?: { hosts?: number; percent?: number; approval: CanaryApproval }
  /** Aborted when failed / (succeeded + failed) > failurePercent %, once at least minFinished have finished. */
  abort?: { failurePercent: number; minFinished: number }
  /** Starts only inside this window of the given IANA timezone (days: 0 Sunday … 6 Saturday). */
  window?: { timezone: string; days: readonly number[]; start: string; end: string }
}

/** The engine's memory that must outlive a restart: the ramp's current rate and the start of its interval. */
export interface RolloutSchedule {
  /** Starts per minute now (maxStartsPerMinute without a ramp). */
  rate: number
  /** ISO time the current ramp interval began; null before the first start. */
  intervalStartedAt: string | null
  /** Failed members counted when the interval began (a failure during the interval holds the rate). */
  failedAtIntervalStart: number
}

export interface Rollout {
  id: string
  tenantId: string
  target: RolloutTarget
  action: RolloutAction
  controls: RolloutControls
  state: RolloutState
  /** Why it is in its state (an abort's rule and figures, a cancel's or pause's actor); null when nothing to say. */
  reason: string | null
  /** The state a pause left (resume returns to it); null unless paused. */
  pausedFrom: RolloutState | null
  schedule: RolloutSchedule
  /** 'api:<token name>', 'cli', ... */
  createdBy: string
  createdAt: string
  updatedAt: string
  /** Set when it reached a final state. */
  finishedAt: string | null
  /** Optimistic concurrency: 1 on create, + 1 on every update. */
  version: number
}

export const MEMBER_STATUSES = ['pending', 'in-progress', 'succeeded', 'failed', 'not-supported', 'skipped'] as const
export type MemberStatus = (typeof MEMBER_STATUSES)[number]

/** One targeted host of a rollout, in the rollout's order (`position` from 0). */
export interface RolloutMember {
  position: number
  hostId: string
  canary: boolean
  status: MemberStatus
  /**
   * The desired generation the rollout's start gave the host (its outcome is judged on it); null before. A rotation
   * is identified by it too: the host's rotation record carries the generation that asked for it.
   */
  generation: number | null
  /** Failed: the rpc error name (or the manager's reason); null otherwise. */
  errorName: string | null
  startedAt: string | null
  finishedAt: string | null
}

export interface RolloutProgress {
  targeted: number
  pending: number
  inProgress: number
  succeeded: number
  failed: number
  /** Failed members by rpc error name (the manager's reason when the agent gave none). */
  failedByError: Record<string, number>
  notSupported: number
  skipped: number
  /** Canary members, and how many of them have an outcome. */
  canary: { targeted: number; finished: number }
}
