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
} from './fleet-harness.ts'

/** Hosts 0..CCM_HOSTS-1 are labelled site=berlin (a CCM group), the rest site=lab (a group with policy none). */
const COUNT = 200
const CCM_HOSTS = 150
const LABEL_CONCURRENCY = 8

test(`policy: ${COUNT} new nodes; those in a CCM group converge to PROVISIONED CCM without a request, those in a "none" group stay untouched`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const hosts = await registerFleet(manager, COUNT)
  const put = async (name: string, site: string, amt: string) => {
    const answer = await manager.api('PUT', `/api/v1/tenants/${TENANT}/groups/${name}`, {
      selector: { labels: { site } },
      priority: 10,
      policy: { amt },
    })
    t.is(answer.status, 200)
  }
  await put('berlin', 'berlin', 'ccm')
  await put('lab', 'lab', 'none')
  let next = 0
  const labeller = async (): Promise<void> => {
    while (next < COUNT) {
      const index = next++
      const site = index < CCM_HOSTS ? 'berlin' : 'lab'
      const path = `/api/v1/tenants/${TENANT}/hosts/${hosts[index]?.hostId ?? ''}/labels`
      const answer = await manager.api('PATCH', path, { set: { site } })
      if (answer.status !== 200) throw new Error(`label ${path}: HTTP ${answer.status}`)
    }
  }
  await Promise.all(Array.from({ length: LABEL_CONCURRENCY }, labeller))

  const { fleet } = startFleet(t, manager, hosts)
  await fleet.start()
  const indexOf = new Map(hosts.map((host, index) => [host.hostId, index]))
  const inCcmGroup = (hostId: string) => (indexOf.get(hostId) ?? COUNT) < CCM_HOSTS
  const capable = (hostId: string) => kindOf(indexOf.get(hostId) ?? 0) !== 'not-capable'
  await until(async () => {
    const misses = (await manager.hosts()).filter((host) =>
      inCcmGroup(host.hostId) && capable(host.hostId)
        ? !(host.currentState === 'PROVISIONED' && host.controlMode === 'CCM' && host.observedGeneration === 1)
        : host.phase === null,
    )
    return misses.length === 0 || describeMisses(misses, COUNT)
  }, 'every capable berlin host PROVISIONED, every other host reported')

  const stored = await manager.hosts()
  const converged = stored.filter((host) => inCcmGroup(host.hostId) && capable(host.hostId))
  t.is(converged.length, hosts.filter((host, index) => index < CCM_HOSTS && capable(host.hostId)).length)
  t.true(converged.every((host) => host.desiredState === 'PROVISIONED' && host.desiredGeneration === 1))
  const untouched = stored.filter((host) => !inCcmGroup(host.hostId) || !capable(host.hostId))
  t.true(untouched.length > 0)
  t.deepEqual(
    untouched
      .filter((host) => host.desiredGeneration !== 0 || host.desiredState !== 'UNSPECIFIED')
      .map((h) => h.hostId),
    [],
    'no desired for the "none" group nor for hosts that cannot do AMT',
  )
  t.true(
    stored
      .filter((host) => !inCcmGroup(host.hostId) && capable(host.hostId))
      .every((host) => host.currentState !== 'PROVISIONED'),
  )
  const first = converged[0]
  if (first === undefined) throw new Error('no converged host')
  const events = await manager.running.inventory.listAudit(TENANT, { hostId: first.hostId })
  t.like(
    events.find((event) => event.kind === 'desired.set'),
    { actor: 'policy:group:berlin', detail: { state: 'PROVISIONED', controlMode: 'CCM', generation: 1 } },
  )
  const drift = await manager.api<{ total: number }>('GET', `/api/v1/tenants/${TENANT}/groups/berlin/drift`)
  t.is(drift.json.total, 0, 'nothing left for a rollout')
})
