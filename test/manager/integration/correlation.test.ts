import test, { type ExecutionContext } from 'ava'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { buildTopic } from '../../../schemas/index.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { capable, metricValue, TENANT } from '../../helpers/manager-core.ts'
import { connectClient, connectFakeAgent, eventually, managerReady, startManager } from '../../helpers/manager-mqtt.ts'

const KEY = { tenantId: TENANT, hostId: 'h-1' }

async function setup(t: ExecutionContext) {
  const broker = await startTestBroker(t)
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: TENANT })
  await inventory.createHost(KEY)
  const manager = startManager(t, { url: broker.url, credential: await broker.addManager(), inventory })
  const integrator = await connectClient(t, broker.url, await broker.addIntegrator(TENANT), [
    buildTopic({ ...KEY, leaf: 'status' }),
  ])
  await managerReady(manager)
  return { broker, inventory, manager, integrator }
}

test('capability + state from an agent over the broker land in Inventory and on the retained status topic', async (t) => {
  const { broker, inventory, integrator } = await setup(t)
  const agent = await connectFakeAgent(t, broker, KEY)
  await agent.send('presence', { online: true, agentVersion: '0.1.0' })
  await agent.send('capability', capable('AMT'))
  await agent.send('state', {
    phase: 'PROVISIONED',
    observedGeneration: 0,
    controlMode: 'CCM',
    remoteStatus: 'connected',
  })

  const status = await integrator.waitFor(
    KEY,
    'status',
    (s) => s.currentState === 'PROVISIONED' && s.online && s.sku === 'AMT',
  )
  t.like(status, { status: 'AMT Activation Done', statusIndicator: 'IDLE', agentKind: 'mqtt', tenantId: TENANT })
  t.is(status.reportedControlMode, 'CCM', 'the control mode AMT reports is on the status topic')
  t.like(await inventory.getHost(KEY), {
    sku: 'AMT',
    currentState: 'PROVISIONED',
    online: true,
    bootId: agent.messages.bootId,
    lastSeq: { presence: 0, capability: 1, state: 2 },
  })

  const late = await connectClient(t, broker.url, await broker.addIntegrator(TENANT), [
    buildTopic({ ...KEY, leaf: 'status' }),
  ])
  t.like(
    await late.waitFor(KEY, 'status', (s) => s.currentState === 'PROVISIONED'),
    { status: 'AMT Activation Done' },
    'status is retained',
  )
})

test('rejections over the wire are counted and change nothing', async (t) => {
  const { broker, inventory, manager } = await setup(t)
  const agent = await connectFakeAgent(t, broker, KEY)
  // On `events`: the broker itself refuses malformed payloads on the retained leaves (broker/auth/device-payload-check.ts).
  await agent.client.publishAsync(buildTopic({ ...KEY, leaf: 'events' }), Buffer.from('{"v":1,"oops"'), { qos: 1 })
  await agent.send('presence', { online: true, agentVersion: '0.1.0' })
  await eventually(async () => (await inventory.getHost(KEY)).online, 'presence stored')
  t.is(await metricValue(manager.metrics.rejections, { reason: 'bad-json' }), 1)
  t.is((await inventory.getHost(KEY)).phase, null)
})

test('setDesired publishes a retained desired that the device receives, even when it subscribes later', async (t) => {
  const { broker, manager } = await setup(t)
  await manager.core.setDesired(
    { keys: [KEY] },
    { state: 'PROVISIONED', controlMode: 'ACM', dnsSuffix: 'corp.example.com' },
    'api:alice',
  )
  const agent = await connectFakeAgent(t, broker, KEY)
  const desired = await agent.waitFor(KEY, 'desired', (d) => d.generation === 1)
  t.like(desired, {
    state: 'PROVISIONED',
    controlMode: 'ACM',
    profileName: `${TENANT}_acm`,
    dnsSuffix: 'corp.example.com',
  })
})

test('secret/req over the wire is answered on the device secret/res (no store: ok false)', async (t) => {
  const { broker, manager } = await setup(t)
  await manager.core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:alice')
  const agent = await connectFakeAgent(t, broker, KEY)
  const correlationId = crypto.randomUUID()
  await agent.send('secret/req', { correlationId, purpose: 'deactivate', generation: 1 })
  t.like(await agent.waitFor(KEY, 'secret/res', (r) => r.correlationId === correlationId), {
    ok: false,
    error: 'no secret store configured',
  })
})
