import {
  buildRolloutProgressTopic,
  encodeRolloutProgress,
  ROLLOUT_PROGRESS_RULE,
  type RolloutProgressPayload,
} from '../../../schemas/rollout-progress.ts'
import type { Outbound } from '../../ports/outbound.ts'
import { isRotation, type Rollout, type RolloutProgress } from '../../rollouts/rollout.ts'

const PUBLISH_OPTIONS = { qos: ROLLOUT_PROGRESS_RULE.qos, retain: ROLLOUT_PROGRESS_RULE.retained }

/** The progress payload of a rollout (schemas/rollout-progress.ts) as of `at`. */
function progressPayload(rollout: Rollout, progress: RolloutProgress, at: string): RolloutProgressPayload {
  const { controls, action } = rollout
  return {
    v: 1,
    ts: at,
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    state: rollout.state,
    reason: rollout.reason,
    action: isRotation(action)
      ? { kind: 'rotate-password' }
      : { state: action.state, ...(action.controlMode === undefined ? {} : { controlMode: action.controlMode }) },
    controls: {
      maxConcurrent: controls.maxConcurrent,
      maxStartsPerMinute: controls.maxStartsPerMinute,
      currentStartsPerMinute: rollout.schedule.rate,
      canary: controls.canary !== undefined,
      abortFailurePercent: controls.abort?.failurePercent ?? null,
      window: controls.window !== undefined,
    },
    counts: {
      targeted: progress.targeted,
      pending: progress.pending,
      inProgress: progress.inProgress,
      succeeded: progress.succeeded,
      failed: progress.failed,
      failedByError: Object.fromEntries(Object.entries(progress.failedByError).sort(([a], [b]) => (a < b ? -1 : 1))),
      notSupported: progress.notSupported,
      skipped: progress.skipped,
    },
    updatedAt: at,
  }
}

/**
 * Publishes a rollout's progress, retained QoS 1, only when it differs from what this process last published for the
 * rollout (state, reason, controls, counts; the times aside). The engine calls it once per rollout per tick, so
 * integrators see at most one message per tick and rollout, and the final one when the rollout ends. What was published
 * is held in memory: a new lease holder (restart, takeover) publishes each rollout it looks at once more (retained,
 * the same content: harmless). Rollouts the engine no longer looks at are forgotten.
 */
export class ProgressPublisher {
  readonly #outbound: Outbound
  readonly #last = new Map<string, string>()

  constructor(outbound: Outbound) {
    this.#outbound = outbound
  }

  /** Returns whether a message went out. */
  publish(rollout: Rollout, progress: RolloutProgress, at: string): boolean {
    const payload = progressPayload(rollout, progress, at)
    const { ts: _ts, updatedAt: _updatedAt, ...content } = payload
    const fingerprint = JSON.stringify(content)
    if (this.#last.get(rollout.id) === fingerprint) return false
    const topic = buildRolloutProgressTopic({ tenantId: rollout.tenantId, rolloutId: rollout.id })
    this.#outbound.publish(topic, encodeRolloutProgress(payload), PUBLISH_OPTIONS)
    this.#last.set(rollout.id, fingerprint)
    return true
  }

  /** Forgets the rollouts a tick no longer looks at (final ones, after their last message). */
  retainOnly(ids: ReadonlySet<string>): void {
    for (const id of this.#last.keys()) if (!ids.has(id)) this.#last.delete(id)
  }

  /** Forgets everything (the engine starts again: a new holder publishes what it sees). */
  reset(): void {
    this.#last.clear()
  }
}
