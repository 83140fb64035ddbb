import type { ExecutionContext } from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { RolloutEngine, type RolloutEngineDeps } from '../../../../manager/core/rollouts/rollout-engine.ts'
import { RolloutService } from '../../../../manager/core/rollouts/rollout-service.ts'
import type { PublishOptions } from '../../../../manager/ports/outbound.ts'
import type { Host, HostPatch, Inventory } from '../../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../../manager/inventory/sqlite/open.ts'
import { MemoryRolloutStore } from '../../../../manager/rollouts/memory-rollout-store.ts'
import type { Rollout, RolloutControls } from '../../../../manager/rollouts/rollout.ts'
import type { RolloutStore } from '../../../../manager/rollouts/store.ts'
import type { RolloutMetrics } from '../../../../manager/metrics/rollout-metrics.ts'

export const TENANT = 'acme'
export const hostName = (index: number): string => `h-${String(index).padStart(4, '0')}`

/** The agent's answers, as the state reducer stores them. */
export const SUCCEEDED: HostPatch = {
  currentState: 'PROVISIONED',
  phase: 'PROVISIONED',
  status: 'AMT Activation Done',
  statusIndicator: 'IDLE',
}
export const FAILED: HostPatch = {
  phase: 'FAILED',
  status: 'AMT Activation Failed: ActivationFailed: the AMT firmware refused',
  statusIndicator: 'ERROR',
}

/**
 * A fleet of capable hosts in a real in-memory SQLite Inventory, a memory rollout store, the engine and the service
 * on one fake clock (`clock.ms`), setDesired as the Inventory's desired write. `answer` decides how each started
 * host's agent answers at the next `step` (null: it stays in progress).
 */
export async function rolloutFixture(
  t: ExecutionContext,
  hosts: number,
  options: {
    store?: RolloutStore
    inventory?: Inventory
    startMs?: number
    metrics?: RolloutMetrics
    rotatePassword?: RolloutEngineDeps['rotatePassword']
  } = {},
) {
  const clock = { ms: options.startMs ?? Date.parse('2026-12-07T09:00:00.000Z') }
  const now = () => new Date(clock.ms)
  let inventory = options.inventory
  if (inventory === undefined) {
    const created = await openSqliteInventory({ dataDir: IN_MEMORY })
    t.teardown(() => created.close())
    await created.createTenant({ tenantId: TENANT })
    await created.createHosts(Array.from({ length: hosts }, (_, i) => ({ tenantId: TENANT, hostId: hostName(i) })))
    const capable: HostPatch = { sku: 'AMT' }
    await created.updateHosts(
      Array.from({ length: hosts }, (_, i) => ({ key: { tenantId: TENANT, hostId: hostName(i) }, patch: capable })),
    )
    inventory = created
  }
  const store = options.store ?? new MemoryRolloutStore()
  const starts: Array<{ ms: number; hostId: string }> = []
  /** What the engine published (rollout progress), with the fake clock's time. */
  const published: Array<{ ms: number; topic: string; payload: Buffer; options: PublishOptions }> = []
  const fleet = inventory
  let fault: Error | null = null
  const engine = new RolloutEngine({
    store,
    findHosts: (keys) => fleet.findHosts(keys),
    setDesired: async (selector, request, actor) => {
      if (fault !== null) throw fault
      const stored = await fleet.setDesiredMany(selector, {
        desiredState: request.state,
        ...(request.controlMode === undefined ? {} : { controlMode: request.controlMode }),
      })
      t.true(actor.startsWith('rollout:'))
      for (const host of stored) starts.push({ ms: clock.ms, hostId: host.hostId })
      return stored
    },
    outbound: { publish: (topic, payload, options) => published.push({ ms: clock.ms, topic, payload, options }) },
    now,
    log: silentLogger(),
    tickMs: 1000,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.rotatePassword === undefined ? {} : { rotatePassword: options.rotatePassword }),
  })
  const service = new RolloutService({ store, inventory, now })
  let answer: (host: Host) => HostPatch | null = () => SUCCEEDED

  /** Agents of hosts with an unanswered desired answer (as `answer` says), then one engine tick, then 1 s passes. */
  const step = async (): Promise<void> => {
    const page = await fleet.listHosts({ tenantId: TENANT, limit: 10_000 })
    const updates = page.hosts.flatMap((host) => {
      if (host.observedGeneration >= host.desiredGeneration) return []
      const patch = answer(host)
      return patch === null
        ? []
        : [
            {
              key: host,
              patch: { ...patch, observedGeneration: host.desiredGeneration },
              expectedVersion: host.version,
            },
          ]
    })
    if (updates.length > 0) await fleet.updateHosts(updates)
    await engine.tick()
    clock.ms += 1000
  }
  const run = async (seconds: number): Promise<void> => {
    for (let i = 0; i < seconds; i++) await step()
  }
  const create = (controls: RolloutControls, hostIds?: readonly string[]): Promise<Rollout> =>
    service.create({
      tenantId: TENANT,
      target: hostIds === undefined ? { filter: {} } : { hostIds },
      action: { state: 'PROVISIONED', controlMode: 'CCM' },
      controls,
      createdBy: 'test',
    })
  return {
    clock,
    inventory: fleet,
    store,
    engine,
    service,
    starts,
    published,
    step,
    run,
    create,
    /** setDesired throws this from now on (null: works again), as when RPS is down. */
    failDesiredWith: (error: Error | null) => {
      fault = error
    },
    answerWith: (decide: (host: Host) => HostPatch | null) => {
      answer = decide
    },
    get: (id: string) => store.get(TENANT, id),
  }
}
