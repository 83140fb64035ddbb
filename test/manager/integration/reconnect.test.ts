import test from 'ava'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { buildTopic } from '../../../schemas/index.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { metricValue, TENANT } from '../../helpers/manager-core.ts'
import { connectClient, connectFakeAgent, eventually, managerReady, startManager } from '../../helpers/manager-mqtt.ts'

const KEY = { tenantId: TENANT, hostId: 'h-1' }

async function inventoryWithHost(t: Parameters<typeof startManager>[0]) {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: TENANT })
  await inventory.createHost(KEY)
  return inventory
}

test('a new manager (the old one killed) republishes desired from Inventory, and replays of retained reports change nothing', async (t) => {
  const broker = await startTestBroker(t)
  const inventory = await inventoryWithHost(t)
  const credential = await broker.addManager()
  const first = startManager(t, { url: broker.url, credential, inventory })
  await managerReady(first)
  await first.core.setDesired({ keys: [KEY] }, { state: 'PROVISIONED' }, 'api:alice')
  const agent = await connectFakeAgent(t, broker, KEY)
  await agent.waitFor(KEY, 'desired', (d) => d.generation === 1)
  await agent.send('state', {
    phase: 'ACTIVATING',
    observedGeneration: 1,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
  })
  await eventually(async () => (await inventory.getHost(KEY)).phase === 'ACTIVATING', 'ACTIVATING stored')

  await first.bus.close(true)
  await first.core.stop()
  // The broker's retained store is only a cache: lose the desired there, as a broker without persistence would.
  const admin = await connectClient(t, broker.url, await broker.addManager(), [])
  await admin.client.publishAsync(buildTopic({ ...KEY, leaf: 'desired' }), Buffer.alloc(0), { qos: 1, retain: true })
  const stored = await inventory.getHost(KEY)

  const second = startManager(t, { url: broker.url, credential, inventory })
  await managerReady(second)
  const republished = await agent.waitFor(
    KEY,
    'desired',
    (d) => d.generation === 1 && agent.received(KEY, 'desired').length >= 2,
  )
  t.like(republished, { state: 'PROVISIONED', generation: 1 })
  await eventually(
    async () => (await metricValue(second.metrics.rejections, { reason: 'duplicate' })) === 1,
    'the retained state replay dropped as a duplicate',
  )
  t.like(await inventory.getHost(KEY), {
    version: stored.version,
    phase: 'ACTIVATING',
    status: 'AMT Activation In Progress',
  })

  await agent.send('state', {
    phase: 'PROVISIONED',
    observedGeneration: 1,
    controlMode: 'CCM',
    remoteStatus: 'connected',
  })
  await eventually(
    async () => (await inventory.getHost(KEY)).status === 'AMT Activation Done',
    'the new manager correlates',
  )
})

test('after a broker restart (retained store lost) the manager reconnects and republishes desired and status', async (t) => {
  const first = await startTestBroker(t)
  const inventory = await inventoryWithHost(t)
  const credential = await first.addManager()
  const manager = startManager(t, { url: first.url, credential, inventory })
  await managerReady(manager)
  await manager.core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:alice')

  const sweepAfterRestart = manager.nextSweep()
  await first.broker.close()
  const second = await startTestBroker(t, { listeners: { tcp: { host: '127.0.0.1', port: first.port } } })
  await second.credentials.add({ ...credential, role: 'manager' })
  await sweepAfterRestart

  const agent = await connectFakeAgent(t, second, KEY)
  t.like(await agent.waitFor(KEY, 'desired'), { state: 'UNPROVISIONED', generation: 1 })
  const integrator = await connectClient(t, second.url, await second.addIntegrator(TENANT), [
    buildTopic({ ...KEY, leaf: 'status' }),
  ])
  t.like(await integrator.waitFor(KEY, 'status'), { desiredState: 'UNPROVISIONED', desiredGeneration: 1 })
})

test('an activation without a result within the deadline shows ERROR on the status topic', async (t) => {
  const broker = await startTestBroker(t)
  const inventory = await inventoryWithHost(t)
  const manager = startManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    inventory,
    options: { deadlines: { activationMs: 300, checkIntervalMs: 50 } },
  })
  const integrator = await connectClient(t, broker.url, await broker.addIntegrator(TENANT), [
    buildTopic({ ...KEY, leaf: 'status' }),
  ])
  await managerReady(manager)
  await manager.core.setDesired({ keys: [KEY] }, { state: 'PROVISIONED' }, 'api:alice')
  const status = await integrator.waitFor(KEY, 'status', (s) => s.statusIndicator === 'ERROR')
  t.is(status.status, 'AMT Activation Failed: no result from the agent within 300 ms')
  t.like(await inventory.getHost(KEY), { statusIndicator: 'ERROR', activationRequestedAt: null })
})
