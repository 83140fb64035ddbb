import test from 'ava'
import {
  describeMisses,
  FLEET_TEST_MS,
  kindOf,
  registerFleet,
  startFleet,
  startFleetManager,
  TENANT,
  until,
  within,
} from './fleet-harness.ts'

/** Small-N version of the activation wave benchmark (docs/benchmarks.md): correctness only, no timing. */
const COUNT = 200

test(`activation wave: ${COUNT} hosts, one bulk API call → every capable host PROVISIONED on generation 1, every other NOT_SUPPORTED; none lost`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const hosts = await registerFleet(manager, COUNT)
  const { fleet, tracker } = startFleet(t, manager, hosts)
  await fleet.start()
  await until(async () => {
    const waiting = (await manager.hosts()).filter((host) => host.phase === null)
    return waiting.length === 0 || `${waiting.length} hosts without a state report`
  }, 'every first state report in Inventory')

  const settled = fleet.settled()
  const answer = await manager.api<{ count: number; hosts: Array<{ desiredGeneration: number }> }>(
    'POST',
    `/api/v1/tenants/${TENANT}/amt/bulk`,
    { desiredAmtState: 'PROVISIONED' },
  )
  t.is(answer.status, 200)
  t.is(answer.json.count, COUNT)
  t.true(answer.json.hosts.every((host) => host.desiredGeneration === 1))

  const capable = (hostId: string): boolean =>
    kindOf(hosts.findIndex((host) => host.hostId === hostId)) !== 'not-capable'
  await until(async () => {
    const misses = (await manager.hosts()).filter((host) =>
      capable(host.hostId)
        ? !(host.currentState === 'PROVISIONED' && host.observedGeneration === 1)
        : host.phase !== 'NOT_SUPPORTED',
    )
    return misses.length === 0 || describeMisses(misses, COUNT)
  }, 'every host converged in Inventory')
  const progress = await within(settled, 'every agent settled')

  const stored = await manager.hosts()
  t.is(stored.length, COUNT)
  const notCapable = hosts.filter((_, index) => kindOf(index) === 'not-capable').length
  t.is(
    stored.filter(
      (host) => host.currentState === 'PROVISIONED' && host.desiredGeneration === 1 && host.observedGeneration === 1,
    ).length,
    COUNT - notCapable,
  )
  t.is(stored.filter((host) => host.phase === 'NOT_SUPPORTED').length, notCapable)
  t.like(progress.phases, {
    PROVISIONED: COUNT - notCapable,
    NOT_SUPPORTED: notCapable,
    FAILED: 0,
    ACTIVATING: 0,
    PENDING: 0,
  })
  // Every agent received the desired exactly as stored (none lost, none stale).
  const delivered = tracker.deliveredSince()
  t.is(delivered.size, COUNT)
  t.true([...delivered.values()].every((delivery) => delivery.generation === 1))
})
