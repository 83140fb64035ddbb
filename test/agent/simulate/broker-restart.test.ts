import test, { type ExecutionContext } from 'ava'
import { backoffDelay, sleep } from '../../../lib/backoff.ts'
import { startTestBroker, type TestBroker } from '../../helpers/broker.ts'
import type { HostPlan } from '../../../agent/simulate/index.ts'
import { FLEET_STEP_MS, FLEET_TEST_MS, missing, reachedFinal, startFleetHarness } from './fleet-harness.ts'

/**
 * A new broker on the port the agents know. Retried while the port is in use: between the close and the new listen
 * another socket may hold it for a moment (a reconnecting agent's own ephemeral port can even be that one).
 */
async function brokerOnPort(t: ExecutionContext, port: number): Promise<TestBroker> {
  const deadline = Date.now() + FLEET_STEP_MS
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await startTestBroker(t, { listeners: { tcp: { host: '127.0.0.1', port } } })
    } catch (err) {
      if (!String(err).includes('EADDRINUSE') || Date.now() > deadline) throw err
      await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 1_000 }))
    }
  }
}

test('a broker restart mid-run: every host reconnects and republishes, desired is re-delivered, the fleet converges with none lost', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const first = await startTestBroker(t)
  const { fleet, watcher, devices, manager } = await startFleetHarness(t, first, {
    count: 200,
    seed: 11,
    mix: { amt: 80, ism: 15, notCapable: 5 },
    failures: { transient: 0.05 },
    latency: { kind: 'uniform', minMs: 1, maxMs: 10 },
  })
  const { plan } = fleet
  const provisioned = () => plan.filter((host) => watcher.seen(host).state?.phase === 'PROVISIONED').length
  await watcher.until(
    () => provisioned() >= 20,
    () => `${provisioned()} PROVISIONED`,
  )

  // Mid-run: the in-memory broker goes away with every session and retained message; a new one takes its port.
  await first.broker.close()
  const restartedAt = Date.now()
  const hadDesired = plan.filter((host) => watcher.seen(host).events.some((event) => event.kind === 'desired.accepted'))
  watcher.newEpoch()
  const second = await brokerOnPort(t, first.port)
  await second.credentials.add({ ...manager, role: 'manager' })
  for (const { plan: host, credential } of devices)
    await second.credentials.add({ ...credential, role: 'device', tenantId: host.tenantId, hostId: host.hostId })

  // Everything below comes from the new broker: fresh births, republished capability/state, desired handled again.
  await watcher.until(
    () =>
      plan.every(
        (host) => reachedFinal(host, watcher.seen(host)) && watcher.seen(host).online && watcher.seen(host).capability,
      ),
    () =>
      missing(plan, watcher) +
      JSON.stringify(
        fleet
          .hosts()
          .filter((h) => !reachedFinal(plan[h.index]!, watcher.seen(h)))
          .slice(0, 3),
      ),
  )
  // Counted per host, not per event kind: a host may answer desired twice after the restart, desired.accepted then
  // desired.ignored (duplicate), when the new broker delivers the same desired twice — retained on the agent's
  // SUBSCRIBE and live from the watcher's republish racing it, both legitimate at QoS 1. Adding the two kinds' host
  // counts then overshoots the fleet size and an equality never holds. Only answers produced once the first broker
  // was gone count: one produced before the restart can still arrive after it (the agent's outbox sends what it
  // queued while not ready). Events are QoS 0 and not retained: the watcher subscribes before it republishes
  // desired, so none of these answers can precede its subscription (fleet-watcher.ts).
  const handledAfter = (host: HostPlan, kind: 'desired.accepted' | 'desired.ignored') =>
    watcher.seen(host).events.some((event) => event.kind === kind && Date.parse(event.ts) >= restartedAt)
  const handled = (host: HostPlan) => handledAfter(host, 'desired.accepted') || handledAfter(host, 'desired.ignored')
  const count = (kind: 'desired.accepted' | 'desired.ignored') => plan.filter((host) => handledAfter(host, kind)).length
  await watcher.until(
    () => plan.every(handled),
    () => {
      const late = plan.filter((host) => !handled(host))
      const sample = late
        .slice(0, 5)
        .map(
          (host) =>
            `${host.hostId}: ${JSON.stringify(watcher.seen(host).events.map(({ kind, seq, ts }) => ({ kind, seq, ts })))}`,
        )
      return `desired handled after the restart by ${plan.length - late.length} of ${plan.length} hosts (${count('desired.ignored')} duplicate, ${count('desired.accepted')} new); not by ${sample.join('; ')}`
    },
  )
  t.true(hadDesired.length > 0, 'some hosts had taken in desired before the restart')
  for (const host of hadDesired)
    t.true(
      handledAfter(host, 'desired.ignored'),
      `${host.hostId} had desired before the restart and got it again (a duplicate)`,
    )
  const progress = await fleet.settled()
  t.like(progress, { total: 200, settled: 200, connected: 200, allSettled: true })
  t.is(progress.phases.PENDING, 0)
})
