import { randomUUID } from 'node:crypto'
import { DomainError } from '../errors.ts'
import { MAX_PAGE_SIZE, type Host, type HostKey, type Inventory } from '../../inventory/port.ts'
import type { MpsPasswordCopy } from '../../ports/provisioning.ts'
import { assertMpsCopyConfigured } from '../flows/rotate-password.ts'
import {
  isFinalState,
  isRotation,
  type Rollout,
  type RolloutAction,
  type RolloutMember,
  type RolloutProgress,
  type RolloutControls,
  type RolloutState,
  type RolloutTarget,
} from '../../rollouts/rollout.ts'
import { RolloutStoreError, type MemberQuery, type RolloutPatch, type RolloutStore } from '../../rollouts/store.ts'
import type { DriftedHost } from '../policy-drift.ts'
import { windowProblem } from './maintenance-window.ts'
import { batchesOf } from './policy-apply.ts'
import { canaryCountOf, initialState } from './rollout-plan.ts'

export interface NewRolloutRequest {
  tenantId: string
  target: RolloutTarget
  action: RolloutAction
  controls: RolloutControls
  createdBy: string
}

export type RolloutOperation = 'approve' | 'pause' | 'resume' | 'cancel'

/** A policy applied as rollouts: the drifted hosts, the controls of every rollout it creates. */
export interface PolicyApplyRequest {
  tenantId: string
  drifted: readonly DriftedHost[]
  controls: RolloutControls
  createdBy: string
}

/** A drifted host left out of an apply: it is a member of a rollout under way. */
export interface BusyHost {
  hostId: string
  rolloutId: string
}

/** Rollouts whose pending and in-progress members are taken (a paused rollout still holds its members). */
const HOLDING_STATES: readonly RolloutState[] = ['canary', 'awaiting-approval', 'running', 'paused']
const TAKEN: MemberQuery['statuses'] = ['pending', 'in-progress']

/** Attempts of an operation racing the engine's own writes (optimistic concurrency on the rollout's version). */
const ATTEMPTS = 5

/** The problem of a rollout's controls as a sentence; null when they are consistent. */
function controlsProblem(controls: RolloutControls): string | null {
  const { canary, ramp, abort, window } = controls
  if (canary !== undefined && (canary.hosts === undefined) === (canary.percent === undefined))
    return 'canary takes hosts or percent (one of them)'
  if (ramp !== undefined && ramp.initial > controls.maxStartsPerMinute)
    return 'ramp.initial must not exceed maxStartsPerMinute'
  if (abort !== undefined && abort.minFinished < 1) return 'abort.minFinished must be at least 1'
  return window === undefined ? null : windowProblem(window)
}

/**
 * The rollouts' operations any replica serves (the API's): create (the target resolved to its members now, in host
 * id order, the canary first) and the operator's transitions. The engine (rollout-engine.ts) does the rest on the
 * lease holder.
 */
export class RolloutService {
  constructor(
    private readonly deps: {
      store: RolloutStore
      inventory: Pick<Inventory, 'getTenant' | 'findHosts' | 'listHosts'>
      now: () => Date
      /** MPS's copy of rotated passwords: a rotation rollout is refused while it is unconfigured. Default none. */
      mpsCopy?: Pick<MpsPasswordCopy, 'mode'>
    },
  ) {}

  async create(request: NewRolloutRequest): Promise<Rollout> {
    const problem = controlsProblem(request.controls)
    if (problem !== null) throw new DomainError('ROLLOUT_INVALID', problem)
    if (isRotation(request.action)) assertMpsCopyConfigured(this.deps.mpsCopy ?? { mode: 'none' })
    await this.deps.inventory.getTenant(request.tenantId)
    const hostIds = await this.#resolve(request.tenantId, request.target)
    if (hostIds.length === 0) throw new DomainError('ROLLOUT_INVALID', 'the target names no host')
    const held = await this.#held(request.tenantId)
    const busy = hostIds.filter((hostId) => held.has(hostId))
    if (busy.length > 0) {
      const [first] = busy
      throw new DomainError(
        'ROLLOUT_HOSTS_BUSY',
        `${busy.length} hosts are members of a rollout under way, e.g. ${first} in ${held.get(first ?? '')}: ` +
          'wait for it, cancel it, or leave them out',
      )
    }
    const { state, schedule } = initialState(request)
    return this.deps.store.create({
      rollout: {
        id: randomUUID(),
        ...request,
        state,
        schedule,
        reason: null,
        pausedFrom: null,
        createdAt: this.deps.now().toISOString(),
      },
      hostIds,
      canaryCount: canaryCountOf(request, hostIds.length),
    })
  }

  /**
   * A policy's drift as rollouts: one per action (policy-apply.ts), each with the controls. Hosts already members of
   * a rollout under way are skipped and returned with that rollout's id (a later apply takes them). Nothing drifts,
   * or every drifted host is busy: no rollout.
   */
  async applyPolicy(request: PolicyApplyRequest): Promise<{ rollouts: Rollout[]; skipped: BusyHost[] }> {
    const problem = controlsProblem(request.controls)
    if (problem !== null) throw new DomainError('ROLLOUT_INVALID', problem)
    const { tenantId, controls, createdBy } = request
    const held = await this.#held(tenantId)
    const skipped: BusyHost[] = []
    const free = request.drifted.filter(({ hostId }) => {
      const rolloutId = held.get(hostId)
      if (rolloutId !== undefined) skipped.push({ hostId, rolloutId })
      return rolloutId === undefined
    })
    const rollouts: Rollout[] = []
    for (const { action, hostIds } of batchesOf(free))
      rollouts.push(await this.create({ tenantId, target: { hostIds }, action, controls, createdBy }))
    return { rollouts, skipped }
  }

  get(tenantId: string, id: string): Promise<Rollout> {
    return this.deps.store.get(tenantId, id)
  }

  list(tenantId: string): Promise<Rollout[]> {
    return this.deps.store.list({ tenantId })
  }

  progress(rollout: Rollout): Promise<RolloutProgress> {
    return this.deps.store.progress(rollout.id)
  }

  members(rollout: Rollout, query: MemberQuery): Promise<RolloutMember[]> {
    return this.deps.store.members(rollout.id, query)
  }

  /** Approve (awaiting-approval → running), pause, resume (to the state paused), cancel (any state not final). */
  async apply(tenantId: string, id: string, operation: RolloutOperation, actor: string): Promise<Rollout> {
    for (let attempt = 1; ; attempt++) {
      const rollout = await this.deps.store.get(tenantId, id)
      const patch = patchOf(rollout, operation, actor, this.deps.now())
      try {
        return await this.deps.store.update(tenantId, id, patch, rollout.version, this.deps.now().toISOString())
      } catch (err) {
        if (!(err instanceof RolloutStoreError && err.code === 'ROLLOUT_VERSION_CONFLICT') || attempt === ATTEMPTS)
          throw err
      }
    }
  }

  /** The tenant's hosts taken by a rollout under way: host id → rollout id. */
  async #held(tenantId: string): Promise<Map<string, string>> {
    const held = new Map<string, string>()
    for (const rollout of await this.deps.store.list({ tenantId, states: HOLDING_STATES }))
      for (const { hostId } of await this.deps.store.members(rollout.id, { statuses: TAKEN }))
        held.set(hostId, rollout.id)
    return held
  }

  /** Explicit ids: every one must exist (in the given order, duplicates dropped); a filter: every match by host id. */
  async #resolve(tenantId: string, target: RolloutTarget): Promise<string[]> {
    if ('hostIds' in target) {
      const unique = [...new Set(target.hostIds)]
      const keys: HostKey[] = unique.map((hostId) => ({ tenantId, hostId }))
      const found = await this.deps.inventory.findHosts(keys)
      const missing = unique.filter((_, index) => found[index] === null)
      if (missing.length > 0)
        throw new DomainError('ROLLOUT_INVALID', `${missing.length} hosts do not exist, e.g. ${missing[0]}`)
      return unique
    }
    const hosts: Host[] = []
    let cursor: string | undefined
    do {
      const page = await this.deps.inventory.listHosts({
        ...target.filter,
        tenantId,
        deletion: 'none',
        limit: MAX_PAGE_SIZE,
        ...(cursor === undefined ? {} : { cursor }),
      })
      hosts.push(...page.hosts)
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    return hosts.map((host) => host.hostId)
  }
}

const refuse = (rollout: Rollout, operation: RolloutOperation): DomainError =>
  new DomainError('ROLLOUT_STATE_CONFLICT', `a rollout in state ${rollout.state} cannot be asked to ${operation}`)

function patchOf(rollout: Rollout, operation: RolloutOperation, actor: string, now: Date): RolloutPatch {
  const { state } = rollout
  const to = (next: RolloutState, reason: string | null): RolloutPatch => ({ state: next, reason })
  switch (operation) {
    case 'approve':
      if (state !== 'awaiting-approval') throw refuse(rollout, operation)
      return to('running', `canary approved by ${actor}`)
    case 'pause':
      if (isFinalState(state) || state === 'paused') throw refuse(rollout, operation)
      return { ...to('paused', `paused by ${actor}`), pausedFrom: state }
    case 'resume':
      if (state !== 'paused') throw refuse(rollout, operation)
      return { ...to(rollout.pausedFrom ?? 'running', `resumed by ${actor}`), pausedFrom: null }
    case 'cancel':
      if (isFinalState(state)) throw refuse(rollout, operation)
      return { ...to('cancelled', `cancelled by ${actor}`), pausedFrom: null, finishedAt: now.toISOString() }
  }
}
