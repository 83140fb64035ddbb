import { isFinalState, type Rollout, type RolloutMember, type RolloutProgress, type RolloutState } from './rollout.ts'
import {
  conflict,
  notFound,
  progressOf,
  RolloutStoreError,
  stateCounts,
  type MemberQuery,
  type MemberUpdate,
  type NewRollout,
  type PruneBatch,
  type RolloutPatch,
  type RolloutStore,
} from './store.ts'

const copy = <T>(value: T): T => structuredClone(value)

/** Rollouts in this process's memory (unit tests): one process only, gone at restart. */
export class MemoryRolloutStore implements RolloutStore {
  readonly #rollouts = new Map<string, Rollout>()
  readonly #members = new Map<string, RolloutMember[]>()
  #order: string[] = []

  create({ rollout, hostIds, canaryCount }: NewRollout): Promise<Rollout> {
    if (this.#rollouts.has(rollout.id))
      return Promise.reject(new RolloutStoreError('ROLLOUT_ALREADY_EXISTS', `rollout ${rollout.id} exists already`))
    const stored: Rollout = { ...copy(rollout), version: 1, updatedAt: rollout.createdAt, finishedAt: null }
    this.#rollouts.set(rollout.id, stored)
    this.#order = [rollout.id, ...this.#order]
    this.#members.set(
      rollout.id,
      hostIds.map((hostId, position) => ({
        position,
        hostId,
        canary: position < canaryCount,
        status: 'pending',
        generation: null,
        errorName: null,
        startedAt: null,
        finishedAt: null,
      })),
    )
    return Promise.resolve(copy(stored))
  }

  get(tenantId: string, id: string): Promise<Rollout> {
    const found = this.#rollouts.get(id)
    if (found === undefined || found.tenantId !== tenantId) return Promise.reject(notFound(tenantId, id))
    return Promise.resolve(copy(found))
  }

  list(query: { tenantId?: string; states?: readonly RolloutState[] }): Promise<Rollout[]> {
    const all = this.#order.map((id) => this.#rollouts.get(id) as Rollout)
    return Promise.resolve(
      all
        .filter((rollout) => query.tenantId === undefined || rollout.tenantId === query.tenantId)
        .filter((rollout) => query.states === undefined || query.states.includes(rollout.state))
        .map(copy),
    )
  }

  update(tenantId: string, id: string, patch: RolloutPatch, expectedVersion: number, now: string): Promise<Rollout> {
    const found = this.#rollouts.get(id)
    if (found === undefined || found.tenantId !== tenantId) return Promise.reject(notFound(tenantId, id))
    if (found.version !== expectedVersion) return Promise.reject(conflict(id, expectedVersion, found.version))
    const stored: Rollout = { ...found, ...copy(patch), version: found.version + 1, updatedAt: now }
    this.#rollouts.set(id, stored)
    return Promise.resolve(copy(stored))
  }

  members(id: string, query: MemberQuery = {}): Promise<RolloutMember[]> {
    const selected = (this.#members.get(id) ?? []).filter(
      (member) =>
        (query.statuses === undefined || query.statuses.includes(member.status)) &&
        (query.canary === undefined || member.canary === query.canary) &&
        (query.after === undefined || member.position > query.after),
    )
    return Promise.resolve(selected.slice(0, query.limit ?? selected.length).map(copy))
  }

  updateMembers(id: string, updates: readonly MemberUpdate[]): Promise<void> {
    const members = this.#members.get(id) ?? []
    for (const update of updates) {
      const member = members[update.position]
      if (member !== undefined) Object.assign(member, copy(update))
    }
    return Promise.resolve()
  }

  countByState(): Promise<Record<RolloutState, number>> {
    return Promise.resolve(stateCounts([...this.#rollouts.values()].map(({ state }) => ({ state, count: 1 }))))
  }

  pruneFinished(before: string, limit: number): Promise<PruneBatch> {
    const prunable = [...this.#rollouts.values()].filter(
      ({ state, finishedAt }) => isFinalState(state) && finishedAt !== null && finishedAt < before,
    )
    const batch: PruneBatch = { rollouts: 0, members: 0 }
    for (const { id } of prunable) {
      const members = this.#members.get(id) ?? []
      const taken = members.splice(0, limit - batch.members).length
      batch.members += taken
    }
    if (batch.members >= limit) return Promise.resolve(batch)
    for (const { id } of prunable) {
      if ((this.#members.get(id) ?? []).length > 0 || batch.rollouts >= limit) continue
      this.#rollouts.delete(id)
      this.#members.delete(id)
      this.#order = this.#order.filter((other) => other !== id)
      batch.rollouts += 1
    }
    return Promise.resolve(batch)
  }

  progress(id: string): Promise<RolloutProgress> {
    return Promise.resolve(progressOf((this.#members.get(id) ?? []).map((member) => ({ ...member, count: 1 }))))
  }
}
