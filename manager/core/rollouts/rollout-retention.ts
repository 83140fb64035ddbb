import type { Logger } from '../../../lib/log.ts'
import type { RolloutStore } from '../../rollouts/store.ts'

/** docs/operations.md "Rollout retention"; config `rollouts.retention`. */
export interface RolloutRetentionPolicy {
  /** Final rollouts (aborted, cancelled, completed) finished longer ago than this are deleted; 0: kept for ever. */
  maxAgeDays: number
  /** How often a pass runs. */
  intervalMs: number
  /** Rows (members, then rollouts) deleted per write transaction; the event loop gets a turn between batches. */
  batchSize: number
}

export const DEFAULT_ROLLOUT_RETENTION: RolloutRetentionPolicy = {
  maxAgeDays: 30,
  intervalMs: 3_600_000,
  batchSize: 1000,
}

const DAY_MS = 86_400_000

export interface RolloutRetentionDeps {
  store: Pick<RolloutStore, 'pruneFinished'>
  log: Logger
  /** Counts the rollouts deleted (amt_manager_rollouts_deleted_total). */
  deleted: { inc(value: number): void }
  now: () => Date
  policy: RolloutRetentionPolicy
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Deletes final rollouts finished more than `maxAgeDays` ago, with their members, every `intervalMs` on the lease
 * holder (a LeasedJob, as the audit retention): batches of at most `batchSize` rows in short transactions with a
 * turn of the event loop between, so a rollout of 100 000 members never holds a long write lock. Never a rollout not
 * yet final (the store's query). A failed pass is logged and tried again at the next interval.
 */
export class RolloutRetention {
  readonly #deps: RolloutRetentionDeps
  readonly #log: Logger
  #timer: NodeJS.Timeout | undefined
  #running: Promise<{ rollouts: number; members: number } | null> | null = null
  #stopped = false

  constructor(deps: RolloutRetentionDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'rollout-retention' })
  }

  start(): void {
    this.#stopped = false
    if (this.#timer !== undefined || this.#deps.policy.maxAgeDays === 0) return
    this.#timer = setInterval(() => void this.prune(), this.#deps.policy.intervalMs)
    this.#timer.unref()
    void this.prune()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** One pass now (a pass already running is joined); null when it failed. */
  prune(): Promise<{ rollouts: number; members: number } | null> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  async #pass(): Promise<{ rollouts: number; members: number } | null> {
    const { store, policy, now, deleted } = this.#deps
    const total = { rollouts: 0, members: 0 }
    if (policy.maxAgeDays === 0) return total
    const before = new Date(now().getTime() - policy.maxAgeDays * DAY_MS).toISOString()
    try {
      while (!this.#stopped) {
        const batch = await store.pruneFinished(before, policy.batchSize)
        total.rollouts += batch.rollouts
        total.members += batch.members
        deleted.inc(batch.rollouts)
        if (batch.rollouts + batch.members === 0) break
        await turn()
      }
      if (total.rollouts + total.members > 0) this.#log.info({ ...total, before }, 'final rollouts deleted')
      return total
    } catch (err) {
      this.#log.error({ err }, 'deleting old rollouts failed; tried again at the next interval')
      return null
    }
  }
}
