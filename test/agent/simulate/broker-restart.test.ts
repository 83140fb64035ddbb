import test from 'ava'
import { startTestBroker } from '../../helpers/broker.ts'
import { missing, reachedFinal, startFleetHarness } from './fleet-harness.ts'

test('a broker restart mid-run: every host reconnects and republishes, desired is re-delivered, the fleet converges with none lost', async (t) => {
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
  await watcher.until(() => provisioned() >= 20, () => `${provisioned()} PROVISIONED`)

  // Mid-run: the in-memory broker goes away with every session and retained message; a new one takes its port.
  await first.broker.close()
  watcher.newEpoch()
  const second = await startTestBroker(t, { listeners: { tcp: { host: '127.0.0.1', port: first.port } } })
  await second.credentials.add({ ...manager, role: 'manager' })
  for (const { plan: host, credential } of devices) await second.credentials.add({ ...credential, role: 'device', tenantId: host.tenantId, hostId: host.hostId })

  // Everything below comes from the new broker: fresh births, republished capability/state, desired handled again.
  await watcher.until(
    () => plan.every((host) => reachedFinal(host, watcher.seen(host)) && watcher.seen(host).online && watcher.seen(host).capability),
    () => missing(plan, watcher) + JSON.stringify(fleet.hosts().filter((h) => !reachedFinal(plan[h.index]!, watcher.seen(h))).slice(0, 3)),
  )
  const redelivered = (kind: string) => plan.filter((host) => watcher.seen(host).events.some((event) => event.kind === kind)).length
  await watcher.until(
    () => redelivered('desired.ignored') + redelivered('desired.accepted') === plan.length,
    () => `desired handled after the restart by ${redelivered('desired.ignored')} (duplicate) + ${redelivered('desired.accepted')} (new) of ${plan.length}`,
  )
  t.true(redelivered('desired.ignored') > 0, 'hosts that had desired before the restart got it again (a duplicate)')
  const progress = await fleet.settled()
  t.like(progress, { total: 200, settled: 200, connected: 200, allSettled: true })
  t.is(progress.phases.PENDING, 0)
})
