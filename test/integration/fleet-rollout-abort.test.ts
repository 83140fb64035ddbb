import test from 'ava'
import { FLEET_TEST_MS, registerFleet, startFleet, startFleetManager, TENANT, until } from './fleet-harness.ts'

/**
 * The abort threshold live: real agents of a simulated fleet, a share of which fail their activation after a delay
 * (the simulator's failures.activationFailDelayMs), against the real manager's engine (1 s tick).
 */
const COUNT = 200

interface RolloutAnswer {
  rolloutId: string
  state: string
  reason: string | null
  progress: { pending: number; inProgress: number; succeeded: number; failed: number; failedByError: object }
}

test(`failures arriving late abort a rollout of ${COUNT} hosts at its threshold; the untouched get no desired after it`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const hosts = await registerFleet(manager, COUNT)
  const failures = { activationFails: 0.4, activationFailCode: 102, activationFailDelayMs: 1500 }
  const { fleet } = startFleet(t, manager, hosts, failures)
  await fleet.start()
  await until(async () => {
    const waiting = (await manager.hosts()).filter((host) => host.phase === null)
    return waiting.length === 0 || `${waiting.length} hosts without a state report`
  }, 'every first state report in Inventory')

  const created = await manager.api<RolloutAnswer>('POST', `/api/v1/tenants/${TENANT}/rollouts`, {
    desiredAmtState: 'PROVISIONED',
    controls: { maxConcurrent: 20, maxStartsPerMinute: 1200, abort: { failurePercent: 20, minFinished: 10 } },
  })
  t.is(created.status, 201, JSON.stringify(created.json))
  const id = created.json.rolloutId
  const read = async () => (await manager.api<RolloutAnswer>('GET', `/api/v1/tenants/${TENANT}/rollouts/${id}`)).json
  await until(async () => {
    const rollout = await read()
    return rollout.state === 'aborted' || `${rollout.state}: ${JSON.stringify(rollout.progress)}`
  }, 'the rollout aborted by its threshold')
  const aborted = await read()
  const match =
    /^abort rule: (\d+) of (\d+) finished hosts failed \(([\d.]+) % > 20 %\); (\d+) hosts left untouched$/.exec(
      aborted.reason ?? '',
    )
  t.truthy(match, aborted.reason ?? 'no reason')
  const untouched = Number(match?.[4])
  t.true(untouched > 0, 'the abort came before the end')
  t.true(Number(match?.[3]) > 20)

  // Members in progress at the abort are followed to their outcome; none of the pending is started meanwhile.
  await until(async () => {
    const { progress } = await read()
    return progress.inProgress === 0 || `${progress.inProgress} members still in progress`
  }, 'every started member has its outcome')
  const final = await read()
  t.is(final.state, 'aborted')
  t.is(final.progress.pending, untouched, 'no start after the abort')
  t.true(final.progress.failed > 0)
  t.like(final.progress.failedByError, { ActivationFailed: final.progress.failed })
  const pending = await manager.api<{ hosts: Array<{ hostId: string }> }>(
    'GET',
    `/api/v1/tenants/${TENANT}/rollouts/${id}/hosts?status=pending&limit=10000`,
  )
  t.is(pending.json.hosts.length, untouched)
  const untouchedIds = new Set(pending.json.hosts.map((host) => host.hostId))
  const desired = (await manager.hosts()).filter((host) => untouchedIds.has(host.hostId) && host.desiredGeneration > 0)
  t.deepEqual(desired, [], 'the untouched hosts have no desired state')
})
