import test from 'ava'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
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

/** Small-N version of the connection storm benchmark (docs/benchmarks.md): correctness only, no timing. */
const COUNT = 200
/** Hosts whose desired changes in Inventory while the manager (and its broker) is down. */
const CHANGED_WHILE_DOWN = 20

test(`connection storm: ${COUNT} agents reconnect after a restart of the manager and its embedded broker; every desired re-delivered from Inventory, every device republished; none lost`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const hosts = await registerFleet(manager, COUNT)
  const { fleet, tracker } = startFleet(t, manager, hosts)
  await fleet.start()
  const capable = hosts.filter((_, index) => kindOf(index) !== 'not-capable').map((host) => host.hostId)
  const activated = await manager.api<{ count: number }>('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, {
    desiredAmtState: 'PROVISIONED',
  })
  t.is(activated.json.count, COUNT)
  await within(fleet.settled(), 'every agent settled before the restart')

  // The broker goes away with the manager (retained store included). While it is down, Inventory — the truth —
  // gets a new desired generation for some hosts: only the restarted manager can tell their agents.
  const changed = capable.slice(0, CHANGED_WHILE_DOWN).map((hostId) => ({ tenantId: TENANT, hostId }))
  let restartedAt = 0
  await manager.restart(async () => {
    const inventory = await openSqliteInventory({ dataDir: manager.dataDir })
    try {
      t.is(
        (await inventory.setDesiredMany({ keys: changed }, { desiredState: 'PROVISIONED' })).length,
        CHANGED_WHILE_DOWN,
      )
    } finally {
      await inventory.close()
    }
    restartedAt = Date.now()
    tracker.mark(restartedAt)
  })

  const stored = new Map((await manager.hosts()).map((host) => [host.hostId, host]))
  t.is(stored.size, COUNT)
  await until(() => {
    const missing = [...stored.values()].filter(
      (host) =>
        host.desiredGeneration >= 1 && tracker.deliveredSince().get(host.hostId)?.generation !== host.desiredGeneration,
    )
    return (
      missing.length === 0 || `${missing.length} agents without their stored desired, e.g. ${missing[0]?.hostId ?? ''}`
    )
  }, 'every desired re-delivered to its agent')
  await until(async () => {
    const misses = (await manager.hosts()).filter((host) =>
      capable.includes(host.hostId)
        ? !(
            host.currentState === 'PROVISIONED' &&
            host.observedGeneration === host.desiredGeneration &&
            republishedSince(host.lastSeen, restartedAt)
          )
        : !(host.phase === 'NOT_SUPPORTED' && republishedSince(host.lastSeen, restartedAt)),
    )
    return misses.length === 0 || describeMisses(misses, COUNT)
  }, 'every device republished and converged in Inventory')

  const after = await manager.hosts()
  t.is(
    after.filter((host) => republishedSince(host.lastSeen, restartedAt)).length,
    COUNT,
    'a report from every device after the restart',
  )
  t.deepEqual(
    after
      .filter((host) => host.desiredGeneration === 2)
      .map((host) => host.hostId)
      .sort(),
    changed.map((key) => key.hostId).sort(),
  )
  t.true(
    after
      .filter((host) => capable.includes(host.hostId))
      .every((host) => host.currentState === 'PROVISIONED' && host.observedGeneration === host.desiredGeneration),
  )
  t.is(tracker.deliveredSince().size, COUNT, 'every agent got its desired again')
  const progress = await within(fleet.settled(), 'every agent settled after the restart')
  t.like(progress.phases, { PROVISIONED: capable.length, NOT_SUPPORTED: COUNT - capable.length, FAILED: 0 })
})

const republishedSince = (lastSeen: string | null, since: number): boolean =>
  lastSeen !== null && Date.parse(lastSeen) >= since
