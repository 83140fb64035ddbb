import test from 'ava'
import {
  FLEET_TEST_MS,
  kindOf,
  registerFleet,
  startFleet,
  startFleetManager,
  TENANT,
  until,
  type FleetManager,
} from './fleet-harness.ts'

/** Rollouts against the real manager (its engine on the lease, 1 s tick) and a simulated fleet of real agents. */
const COUNT = 200

interface RolloutAnswer {
  rolloutId: string
  state: string
  reason: string | null
  progress: { pending: number; succeeded: number; failed: number; notSupported: number; failedByError: object }
}

const rolloutOf = async (manager: FleetManager, id: string) =>
  (await manager.api<RolloutAnswer>('GET', `/api/v1/tenants/${TENANT}/rollouts/${id}`)).json

async function reportedFleet(t: Parameters<typeof startFleetManager>[0], failing: readonly number[]) {
  const manager = await startFleetManager(t)
  const registered = await registerFleet(manager, COUNT)
  const hosts = registered.map((host, index) =>
    failing.includes(index) ? { ...host, faults: { activationFails: 102 } } : host,
  )
  const { fleet } = startFleet(t, manager, hosts)
  await fleet.start()
  await until(async () => {
    const waiting = (await manager.hosts()).filter((host) => host.phase === null)
    return waiting.length === 0 || `${waiting.length} hosts without a state report`
  }, 'every first state report in Inventory')
  return manager
}

test(`a canary that fails stops the rollout of ${COUNT} hosts: the others are reported untouched and get no desired`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await reportedFleet(t, [1])
  const created = await manager.api<RolloutAnswer>('POST', `/api/v1/tenants/${TENANT}/rollouts`, {
    desiredAmtState: 'PROVISIONED',
    controls: { maxConcurrent: 50, maxStartsPerMinute: 600, canary: { hosts: 5, approval: 'manual' } },
  })
  t.is(created.status, 201)
  const id = created.json.rolloutId
  await until(async () => {
    const rollout = await rolloutOf(manager, id)
    return rollout.state === 'aborted' || `${rollout.state}: ${JSON.stringify(rollout.progress)}`
  }, 'the rollout aborted by its canary')
  const rollout = await rolloutOf(manager, id)
  t.regex(rollout.reason ?? '', /^canary failed: 1 of 5 canary hosts failed; 195 hosts left untouched$/)
  t.like(rollout.progress, { pending: 195, failed: 1, failedByError: { ActivationFailed: 1 } })
  const touched = (await manager.hosts()).filter((host) => host.desiredGeneration > 0).map((host) => host.hostId)
  t.deepEqual(touched.sort(), ['node-001', 'node-002', 'node-003', 'node-004', 'node-005'])
})

test(`a manager restart mid-rollout continues it: ${COUNT} hosts, each started once, never faster than the rate`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await reportedFleet(t, [])
  const rate = 300
  const created = await manager.api<RolloutAnswer>('POST', `/api/v1/tenants/${TENANT}/rollouts`, {
    desiredAmtState: 'PROVISIONED',
    controls: { maxConcurrent: 100, maxStartsPerMinute: rate },
  })
  const id = created.json.rolloutId
  await until(async () => {
    const { progress } = await rolloutOf(manager, id)
    return progress.succeeded >= 30 || `${progress.succeeded} succeeded`
  }, 'a part of the rollout done')
  await manager.restart()
  await until(async () => {
    const rollout = await rolloutOf(manager, id)
    return rollout.state === 'completed' || `${rollout.state}: ${JSON.stringify(rollout.progress)}`
  }, 'the rollout completed after the restart')
  const notCapable = Array.from({ length: COUNT }, (_, i) => kindOf(i)).filter((kind) => kind === 'not-capable').length
  t.like((await rolloutOf(manager, id)).progress, {
    succeeded: COUNT - notCapable,
    notSupported: notCapable,
    failed: 0,
  })
  const hosts = await manager.hosts()
  t.true(
    hosts
      .filter((host) => kindOf(Number(host.hostId.slice(5)) - 1) !== 'not-capable')
      .every((host) => host.desiredGeneration === 1),
    'no host started twice',
  )
  const members = (
    await manager.api<{ hosts: Array<{ startedAt: string | null }> }>(
      'GET',
      `/api/v1/tenants/${TENANT}/rollouts/${id}/hosts?status=succeeded&limit=10000`,
    )
  ).json.hosts
  const starts = members.map((m) => Date.parse(m.startedAt ?? '')).sort((a, b) => a - b)
  // An upper bound holds under any load: in any 10 s, at most 10 s of the rate plus the bucket's cap (two ticks'
  // worth plus one: a late tick may use what its lateness accrued; token-bucket.ts).
  const bound = (rate * 10) / 60 + (2 * rate) / 60 + 1
  for (const [index, at] of starts.entries()) {
    const inWindow = starts.slice(index).filter((other) => other < at + 10_000).length
    t.true(inWindow <= bound, `${inWindow} starts within 10 s from ${new Date(at).toISOString()} (at most ${bound})`)
  }
})
