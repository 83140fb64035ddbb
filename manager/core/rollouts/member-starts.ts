import type { Host, HostKey, HostSelector } from '../../inventory/port.ts'
import type { RolloutMetrics } from '../../metrics/rollout-metrics.ts'
import { isRotation, type Rollout, type RolloutMember } from '../../rollouts/rollout.ts'
import type { MemberUpdate, RolloutStore } from '../../rollouts/store.ts'
import type { DesiredRequest } from '../flows/set-desired.ts'
import { turnOf, type Turn } from './member-outcome.ts'
import { rotationTurnOf } from './rotation-outcome.ts'
import { startRotations, type RotatePassword, type StartResult } from './rotation-starts.ts'

/** Pending members looked at per round of a tick (skipped ones do not use a start). */
const ROUNDS_PER_TICK = 20

/** What starting a rollout's members uses (the rollout engine's dependencies, rollout-engine.ts). */
export interface MemberStartDeps {
  store: RolloutStore
  /** Fresh host records (Inventory: the state reports of every replica are there). */
  findHosts: (keys: readonly HostKey[]) => Promise<(Host | null)[]>
  /** The normal desired path (ManagerCore.setDesired): Inventory, audit, retained desired. */
  setDesired: (selector: HostSelector, request: DesiredRequest, actor: string) => Promise<Host[]>
  /** The one-host rotation (ManagerCore.rotatePassword) for rotation rollouts; none: their starts fail (held). */
  rotatePassword?: RotatePassword
  now: () => Date
  metrics?: RolloutMetrics
}

const rolloutActor = (id: string): string => `rollout:${id}`

const turnOfMember = (rollout: Rollout, host: Host | null): Turn =>
  isRotation(rollout.action) ? rotationTurnOf(host, rolloutActor(rollout.id)) : turnOf(host, rollout.action)

/** The host records of a rollout's members, in their order (null: the host is gone). */
export function hostsOf(
  findHosts: MemberStartDeps['findHosts'],
  rollout: Rollout,
  members: readonly RolloutMember[],
): Promise<(Host | null)[]> {
  return findHosts(members.map(({ hostId }) => ({ tenantId: rollout.tenantId, hostId })))
}

/**
 * Gives up to `budget` pending members their turn, in order: the ones already in the target state are skipped
 * (no start used), the others started with one setDesired call per round. Returns how many were started or
 * adopted. The rollout is read again first: a pause or cancel through any replica stops further starts.
 */
export async function startMembers(
  deps: MemberStartDeps,
  rollout: Rollout,
  budget: number,
  canaryOnly: boolean,
): Promise<{ used: number; failure?: unknown }> {
  const { store, now } = deps
  const fresh = await store.get(rollout.tenantId, rollout.id)
  if (fresh.state !== rollout.state) return { used: 0 }
  let used = 0
  let after: number | undefined
  for (let round = 0; round < ROUNDS_PER_TICK && used < budget; round++) {
    const members = await store.members(rollout.id, {
      statuses: ['pending'],
      limit: budget - used,
      ...(canaryOnly ? { canary: true } : {}),
      ...(after === undefined ? {} : { after }),
    })
    if (members.length === 0) break
    after = members.at(-1)?.position
    const hosts = await hostsOf(deps.findHosts, rollout, members)
    const at = now().toISOString()
    const updates: MemberUpdate[] = []
    const toStart: RolloutMember[] = []
    members.forEach((member, index) => {
      const turn = turnOfMember(rollout, hosts[index] ?? null)
      if (turn.status === 'start') toStart.push(member)
      else if (turn.status === 'adopt')
        updates.push({ ...member, status: 'in-progress', generation: turn.generation, startedAt: at })
      else
        updates.push({
          ...member,
          status: turn.status,
          errorName: turn.status === 'failed' ? turn.errorName : null,
          finishedAt: at,
        })
    })
    const started = await start(deps, rollout, toStart, at)
    updates.push(...started.updates)
    used += updates.filter((update) => update.status === 'in-progress').length
    await store.updateMembers(rollout.id, updates)
    if ('failure' in started) return { used, failure: started.failure }
  }
  return { used }
}

/**
 * Starts the members: their updates (in progress at the generation each start gave, or a rotation's refusal as
 * the outcome), and the failure that stopped the starts (the members not reached stay pending).
 */
async function start(
  deps: MemberStartDeps,
  rollout: Rollout,
  members: readonly RolloutMember[],
  at: string,
): Promise<StartResult> {
  if (members.length === 0) return { updates: [] }
  const { tenantId } = rollout
  const actor = rolloutActor(rollout.id)
  const inProgress = (member: RolloutMember, generation: number | null): MemberUpdate => ({
    ...member,
    status: 'in-progress',
    generation,
    startedAt: at,
  })
  if (isRotation(rollout.action)) return startRotations(deps, { tenantId, actor, at }, members, inProgress)
  const keys = members.map(({ hostId }) => ({ tenantId, hostId }))
  try {
    const stored = await deps.setDesired({ keys }, rollout.action, actor)
    const generations = new Map(stored.map((host) => [host.hostId, host.desiredGeneration]))
    deps.metrics?.starts.inc({ tenant_id: tenantId }, members.length)
    return { updates: members.map((member) => inProgress(member, generations.get(member.hostId) ?? null)) }
  } catch (failure) {
    return { updates: [], failure }
  }
}
