import type { Logger } from '../../../lib/log.ts'
import type { Host } from '../../inventory/port.ts'
import type { LeasedJob } from '../../ports/lease.ts'
import { ACTIVE_STATES, isFinalState, isRotation, type Rollout } from '../../rollouts/rollout.ts'
import type { MemberUpdate, RolloutPatch } from '../../rollouts/store.ts'
import { outcomeOf, type Outcome } from './member-outcome.ts'
import { hostsOf, startMembers, type MemberStartDeps } from './member-starts.ts'
import type { Outbound } from '../../ports/outbound.ts'
import { ProgressPublisher } from './progress-publisher.ts'
import { planTick } from './rollout-plan.ts'
import { rotationOutcomeOf } from './rotation-outcome.ts'
import { TokenBucket } from './token-bucket.ts'

const DEFAULT_TICK_MS = 1000
/** Members in progress when their rollout stopped (aborted, cancelled) are followed to their outcome this long. */
const FOLLOW_AFTER_FINISH_MS = 60 * 60_000
/** After a failed desired write, starts wait tickMs · 2^(failures-1), at most this long. */
const START_BACKOFF_MAX_MS = 5 * 60_000
/** The reason a rollout carries while its starts are held after a failed desired write. */
const HELD_PREFIX = 'starts held: '

/** A rollout's failed desired writes in a row and when its starts may be tried again. */
interface StartBackoff {
  failures: number
  untilMs: number
}

/** The store, host records and write paths (member-starts.ts), and what the engine itself uses. */
export interface RolloutEngineDeps extends MemberStartDeps {
  log: Logger
  /** Where each rollout's progress goes (retained, amt/v1/{tenant}/_rollouts/{id}/progress); none: not published. */
  outbound?: Outbound
  /** How often the engine looks at its rollouts; >= 1000 ms in production (config), less in tests. */
  tickMs?: number
}

/** A member's outcome by the rollout's action: the host's desired state, or its rotation. */
const outcomeOfMember = (rollout: Rollout, host: Host | null, generation: number): Outcome | null =>
  isRotation(rollout.action) ? rotationOutcomeOf(host, generation) : outcomeOf(host, generation, rollout.action)

/**
 * Runs the active rollouts: a LeasedJob (only the lease holder among replicas runs it). Every tick, for each active
 * rollout: follow its members in progress (outcomes from the host records) → the plan (rollout-plan.ts: abort,
 * completion, canary verdict, slots by concurrency and window, the ramp) → start members within the token bucket of
 * the current rate (member-starts.ts), through setDesired (actor rollout:<id>), or rotatePassword one host at a time
 * for a rotation rollout (rotation-starts.ts, rotation-outcome.ts).
 *
 * A periodic tick, not the state reducer's events: with replicas, a host's state report lands on whichever replica
 * took it from the shared subscription, while one replica runs the rollouts; the Inventory and the rollout store are
 * what every replica shares, so the holder reads both at each tick. A new holder (lease takeover, restart) continues
 * from the store; only the token bucket is in memory (it starts with one tick's worth). Members in progress when a rollout
 * was paused, aborted or cancelled are still followed to their outcome (for an hour after a final state).
 * After each rollout's step its progress goes to the bus when it changed (progress-publisher.ts): at most one message
 * per tick and rollout, the last one when it reaches its final state (or its last member in progress its outcome).
 */
export class RolloutEngine implements LeasedJob {
  readonly #deps: RolloutEngineDeps
  readonly #log: Logger
  readonly #buckets = new Map<string, TokenBucket>()
  readonly #progress: ProgressPublisher | null
  readonly #backoffs = new Map<string, StartBackoff>()
  #timer: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null
  #stopped = true

  constructor(deps: RolloutEngineDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'rollouts' })
    this.#progress = deps.outbound === undefined ? null : new ProgressPublisher(deps.outbound)
  }

  get tickMs(): number {
    return this.#deps.tickMs ?? DEFAULT_TICK_MS
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#buckets.clear()
    this.#progress?.reset()
    this.#schedule()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#running
  }

  /** One pass over every active rollout (the timer's; tests call it with a fake clock). */
  tick(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.tick()
        .catch((err: unknown) => this.#log.error({ err }, 'rollout tick failed'))
        .finally(() => this.#schedule())
    }, this.tickMs)
    this.#timer.unref()
  }

  async #pass(): Promise<void> {
    const active = await this.#deps.store.list({ states: ACTIVE_STATES })
    for (const id of this.#buckets.keys()) if (!active.some((rollout) => rollout.id === id)) this.#buckets.delete(id)
    for (const id of this.#backoffs.keys()) if (!active.some((rollout) => rollout.id === id)) this.#backoffs.delete(id)
    for (const rollout of active) await this.#guarded(rollout, () => this.#advance(rollout))
    const since = this.#deps.now().getTime() - FOLLOW_AFTER_FINISH_MS
    const stopped = await this.#deps.store.list({ states: ['paused', 'aborted', 'cancelled'] })
    const followed = stopped.filter(({ finishedAt }) => finishedAt === null || Date.parse(finishedAt) >= since)
    for (const rollout of followed) await this.#guarded(rollout, () => this.#follow(rollout))
    this.#progress?.retainOnly(new Set([...active, ...followed].map(({ id }) => id)))
  }

  async #guarded(rollout: Rollout, step: () => Promise<unknown>): Promise<void> {
    try {
      await step()
      await this.#publishProgress(rollout)
    } catch (err) {
      this.#log.error({ err, rolloutId: rollout.id, tenantId: rollout.tenantId }, 'rollout step failed; next tick')
    }
  }

  async #advance(read: Rollout): Promise<void> {
    const { store, now } = this.#deps
    await this.#follow(read)
    const progress = await store.progress(read.id)
    const plan = planTick(read, progress, now())
    if (plan.transition !== null) {
      const { state, reason } = plan.transition
      await this.#update(read, { state, reason, ...(isFinalState(state) ? { finishedAt: now().toISOString() } : {}) })
      this.#deps.metrics?.transitions.inc({ to: state })
      this.#log.info({ rolloutId: read.id, tenantId: read.tenantId, state, reason, progress }, 'rollout state changed')
      return
    }
    let rollout = plan.schedule === null ? read : await this.#update(read, { schedule: plan.schedule })
    const bucket = this.#bucketOf(rollout)
    const budget = Math.min(plan.slots, bucket.available(now().getTime()))
    if (budget <= 0 || (this.#backoffs.get(rollout.id)?.untilMs ?? 0) > now().getTime()) return
    const { used: started, failure } = await startMembers(this.#deps, rollout, budget, plan.canaryOnly)
    bucket.take(started)
    if (failure !== undefined) return this.#startFailed(rollout, failure)
    rollout = await this.#startsWorked(rollout)
    if (started > 0 && rollout.controls.ramp !== undefined && rollout.schedule.intervalStartedAt === null) {
      const schedule = {
        ...rollout.schedule,
        intervalStartedAt: now().toISOString(),
        failedAtIntervalStart: progress.failed,
      }
      rollout = await this.#update(rollout, { schedule })
    }
  }

  /** The rollout's progress as stored after its step, to the bus when it changed. */
  async #publishProgress(read: Rollout): Promise<void> {
    if (this.#progress === null) return
    const { store, now } = this.#deps
    const rollout = await store.get(read.tenantId, read.id)
    this.#progress.publish(rollout, await store.progress(read.id), now().toISOString())
  }

  /** The outcomes of the members in progress, from their hosts as stored now. */
  async #follow(rollout: Rollout): Promise<void> {
    const { store } = this.#deps
    const members = await store.members(rollout.id, { statuses: ['in-progress'] })
    if (members.length === 0) return
    const hosts = await hostsOf(this.#deps.findHosts, rollout, members)
    const finishedAt = this.#deps.now().toISOString()
    const updates: MemberUpdate[] = []
    members.forEach((member, index) => {
      const outcome = outcomeOfMember(rollout, hosts[index] ?? null, member.generation ?? 0)
      if (outcome === null) return
      const errorName = outcome.status === 'failed' ? outcome.errorName : null
      updates.push({ ...member, status: outcome.status, errorName, finishedAt })
    })
    await store.updateMembers(rollout.id, updates)
  }

  /**
   * A desired write failed (RPS down, the secret store unreachable, …): its members stay pending, the failure is
   * counted and logged, and the rollout's reason says it (`starts held: …`) while its starts back off
   * (tickMs · 2^(n-1), at most START_BACKOFF_MAX_MS). The backoff is in memory: a new lease holder tries at once.
   */
  async #startFailed(rollout: Rollout, failure: unknown): Promise<void> {
    const nowMs = this.#deps.now().getTime()
    const failures = (this.#backoffs.get(rollout.id)?.failures ?? 0) + 1
    const delayMs = Math.min(START_BACKOFF_MAX_MS, this.tickMs * 2 ** Math.min(failures - 1, 20))
    this.#backoffs.set(rollout.id, { failures, untilMs: nowMs + delayMs })
    this.#deps.metrics?.startFailures.inc({ tenant_id: rollout.tenantId })
    const message = (failure instanceof Error ? failure.message : String(failure)).slice(0, 300)
    const { tenantId, id: rolloutId } = rollout
    this.#log.warn({ err: failure, rolloutId, tenantId, failures, delayMs }, 'rollout start failed; backing off')
    const reason =
      `${HELD_PREFIX}setting the desired state failed ${failures} time(s) in a row: ${message}; ` +
      `next attempt in ${Math.round(delayMs / 1000)} s`
    const fresh = await this.#deps.store.get(tenantId, rolloutId)
    if (fresh.state === rollout.state) await this.#update(fresh, { reason })
  }

  /** Starts went through: a backoff ends, and a reason saying the starts were held is replaced. */
  async #startsWorked(rollout: Rollout): Promise<Rollout> {
    const backoff = this.#backoffs.get(rollout.id)
    this.#backoffs.delete(rollout.id)
    if (backoff === undefined || !(rollout.reason ?? '').startsWith(HELD_PREFIX)) return rollout
    const fresh = await this.#deps.store.get(rollout.tenantId, rollout.id)
    if (fresh.state !== rollout.state || !(fresh.reason ?? '').startsWith(HELD_PREFIX)) return fresh
    return this.#update(fresh, { reason: `starts resumed after ${backoff.failures} failed attempt(s)` })
  }

  #update(rollout: Rollout, patch: RolloutPatch): Promise<Rollout> {
    return this.#deps.store.update(rollout.tenantId, rollout.id, patch, rollout.version, this.#deps.now().toISOString())
  }

  #bucketOf(rollout: Rollout): TokenBucket {
    const nowMs = this.#deps.now().getTime()
    let bucket = this.#buckets.get(rollout.id)
    if (bucket === undefined) {
      bucket = new TokenBucket(rollout.schedule.rate, nowMs, this.tickMs)
      this.#buckets.set(rollout.id, bucket)
    } else if (bucket.rate !== rollout.schedule.rate) bucket.setRate(rollout.schedule.rate, nowMs)
    return bucket
  }
}
