import {
  ROLLOUT_STATES,
  type MemberStatus,
  type Rollout,
  type RolloutMember,
  type RolloutProgress,
  type RolloutState,
} from './rollout.ts'

/**
 * Where rollouts and their members are kept: MemoryRolloutStore (tests), SqliteRolloutStore
 * (<dataDir>/rollouts.sqlite), PostgresRolloutStore (the shared database: every replica sees every rollout, and the
 * lease holder that runs them can change). Every adapter passes test/conformance/rollout-store.ts.
 */

/** What create stores: the rollout (version 1) and its members, all pending, in order. */
export interface NewRollout {
  rollout: Omit<Rollout, 'version' | 'updatedAt' | 'finishedAt'>
  /** Host ids in the rollout's order; the first `canaryCount` are the canary. */
  hostIds: readonly string[]
  canaryCount: number
}

/** The fields an update may change. */
export type RolloutPatch = Partial<Pick<Rollout, 'state' | 'reason' | 'pausedFrom' | 'schedule' | 'finishedAt'>>

/** A member's new status and what goes with it (every field written), by position. */
export type MemberUpdate = Pick<
  RolloutMember,
  'position' | 'status' | 'generation' | 'errorName' | 'startedAt' | 'finishedAt'
>

export interface MemberQuery {
  /** Only members with one of these statuses. */
  statuses?: readonly MemberStatus[]
  /** Only the canary members. */
  canary?: boolean
  /** Only members after this position. */
  after?: number
  /** At most this many, default all. */
  limit?: number
}

/** What one batch of pruneFinished deleted. */
export interface PruneBatch {
  rollouts: number
  members: number
}

export class RolloutStoreError extends Error {
  override readonly name = 'RolloutStoreError'
  constructor(
    readonly code: 'ROLLOUT_NOT_FOUND' | 'ROLLOUT_VERSION_CONFLICT' | 'ROLLOUT_ALREADY_EXISTS',
    message: string,
  ) {
    super(message)
  }
}

export interface RolloutStore {
  /** ROLLOUT_ALREADY_EXISTS when the id is taken. */
  create(input: NewRollout): Promise<Rollout>
  /** ROLLOUT_NOT_FOUND when the tenant has no rollout with this id. */
  get(tenantId: string, id: string): Promise<Rollout>
  /** A tenant's rollouts (or every tenant's), newest first; only those in `states` when given. */
  list(query: { tenantId?: string; states?: readonly RolloutState[] }): Promise<Rollout[]>
  /** Applies the patch when the stored version is `expectedVersion` (else ROLLOUT_VERSION_CONFLICT); version + 1. */
  update(tenantId: string, id: string, patch: RolloutPatch, expectedVersion: number, now: string): Promise<Rollout>
  /** Members in position order. */
  members(id: string, query?: MemberQuery): Promise<RolloutMember[]>
  /** Writes the members' new statuses in one transaction. */
  updateMembers(id: string, updates: readonly MemberUpdate[]): Promise<void>
  /** The counts of the members by status (and failed ones by error name). */
  progress(id: string): Promise<RolloutProgress>
  /** How many rollouts (of every tenant) are in each state: one count query, no rollout read (the metrics). */
  countByState(): Promise<Record<RolloutState, number>>
  /**
   * One short batch of the retention sweep (manager/core/rollouts/rollout-retention.ts): deletes at most `limit`
   * members of final rollouts (aborted, cancelled, completed) whose finishedAt is before `before`, then, when fewer
   * were left, at most `limit` of those rollouts that have no member left. Never a rollout not yet final. Called
   * again until it deletes nothing.
   */
  pruneFinished(before: string, limit: number): Promise<PruneBatch>
}

export const notFound = (tenantId: string, id: string): RolloutStoreError =>
  new RolloutStoreError('ROLLOUT_NOT_FOUND', `tenant ${tenantId} has no rollout ${id}`)

export const conflict = (id: string, expected: number, actual: number): RolloutStoreError =>
  new RolloutStoreError(
    'ROLLOUT_VERSION_CONFLICT',
    `rollout ${id} changed meanwhile (version ${actual}, expected ${expected}); read it again`,
  )

/** The RolloutProgress field counting each member status. */
export const PROGRESS_FIELD = {
  pending: 'pending',
  'in-progress': 'inProgress',
  succeeded: 'succeeded',
  failed: 'failed',
  'not-supported': 'notSupported',
  skipped: 'skipped',
} as const satisfies Record<MemberStatus, keyof RolloutProgress>

/** Counts by state from (state, count) rows, every state present (0 when none). */
export function stateCounts(rows: Iterable<{ state: string; count: number | string }>): Record<RolloutState, number> {
  const counts = Object.fromEntries(ROLLOUT_STATES.map((state) => [state, 0])) as Record<RolloutState, number>
  for (const { state, count } of rows)
    if ((ROLLOUT_STATES as readonly string[]).includes(state)) counts[state as RolloutState] += Number(count)
  return counts
}

/** Progress from member rows (status, canary, errorName) as every store counts them. */
export function progressOf(
  rows: Iterable<{ status: MemberStatus; canary: boolean; errorName: string | null; count: number }>,
): RolloutProgress {
  const progress: RolloutProgress = {
    targeted: 0,
    pending: 0,
    inProgress: 0,
    succeeded: 0,
    failed: 0,
    failedByError: {},
    notSupported: 0,
    skipped: 0,
    canary: { targeted: 0, finished: 0 },
  }
  for (const { status, canary, errorName, count } of rows) {
    progress.targeted += count
    progress[PROGRESS_FIELD[status]] += count
    if (status === 'failed') {
      const name = errorName ?? 'Unknown'
      progress.failedByError[name] = (progress.failedByError[name] ?? 0) + count
    }
    if (canary) {
      progress.canary.targeted += count
      if (status !== 'pending' && status !== 'in-progress') progress.canary.finished += count
    }
  }
  return progress
}
