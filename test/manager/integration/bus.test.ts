import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createEmbeddedBus } from '../../../manager/bus/embedded-bus.ts'
import { createManagerBus, type ManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { Outbox } from '../../../manager/bus/outbox.ts'
import { buildTopic } from '../../../schemas/index.ts'
import { startTestBroker, type TestBroker } from '../../helpers/broker.ts'
import { capable, TENANT } from '../../helpers/manager-core.ts'
import { connectClient, connectFakeAgent } from '../../helpers/manager-mqtt.ts'

const retained = { qos: 1 as const, retain: true }

test('outbox: a waiting retained publication is replaced in place by a newer one; others are never merged', (t) => {
  const outbox = new Outbox()
  outbox.push({ topic: 'a/status', payload: Buffer.from('a1'), options: retained })
  outbox.push({ topic: 'b/secret/res', payload: Buffer.from('b1'), options: { qos: 1, retain: false } })
  outbox.push({ topic: 'b/secret/res', payload: Buffer.from('b2'), options: { qos: 1, retain: false } })
  outbox.push({ topic: 'c/status', payload: Buffer.from('c1'), options: retained })
  outbox.push({ topic: 'a/status', payload: Buffer.from('a2'), options: retained })
  const order: string[] = []
  for (let entry = outbox.shift(); entry; entry = outbox.shift()) order.push(entry.payload.toString())
  t.deepEqual(order, ['a2', 'b1', 'b2', 'c1'])
})

/** Both buses: an MQTT connection (external broker) and in process (the manager's embedded broker). */
const BUSES = {
  mqtt: async (broker: TestBroker): Promise<ManagerBus> =>
    createManagerBus({ url: broker.url, ...(await broker.addManager()), reconnectPeriodMs: 50, log: silentLogger() }),
  embedded: (broker: TestBroker): Promise<ManagerBus> =>
    Promise.resolve(createEmbeddedBus(broker.broker.aedes, { log: silentLogger() })),
}

for (const [kind, createBus] of Object.entries(BUSES)) {
  test(`${kind} bus: publications made before the bus connects are sent on connect, the latest per retained topic`, async (t) => {
    const broker = await startTestBroker(t)
    const key = { tenantId: TENANT, hostId: 'h-1' }
    const bus = await createBus(broker)
    t.teardown(() => bus.close(true))
    const desired = (generation: number) =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          ts: new Date().toISOString(),
          hostId: 'h-1',
          generation,
          state: 'PROVISIONED',
          controlMode: 'CCM',
        }),
      )
    for (let generation = 1; generation <= 5; generation++)
      bus.publish(buildTopic({ ...key, leaf: 'desired' }), desired(generation), retained)
    const ready = new Promise<void>((resolve) => bus.start({ onMessage: () => undefined, onReady: resolve }))
    await ready
    const agent = await connectFakeAgent(t, broker, key)
    const received = await agent.waitFor(key, 'desired')
    t.is(received.generation, 5)
    t.deepEqual(
      agent.received(key, 'desired').map((d) => d.generation),
      [5],
    )
  })

  test(`${kind} bus: receives every agent leaf of every tenant, and no manager leaf`, async (t) => {
    const broker = await startTestBroker(t)
    const seen: string[] = []
    let wake = (): void => undefined
    const bus = await createBus(broker)
    t.teardown(() => bus.close(true))
    await new Promise<void>((resolve) =>
      bus.start({
        onMessage: (topic) => {
          seen.push(topic.split('/').slice(4).join('/'))
          wake()
        },
        onReady: resolve,
      }),
    )
    const key = { tenantId: 'globex', hostId: 'g-1' }
    const agent = await connectFakeAgent(t, broker, key)
    const other = await connectClient(t, broker.url, await broker.addManager(), [])
    await agent.send('presence', { online: true, agentVersion: '1' })
    await agent.send('capability', capable())
    await agent.send('state', {
      phase: 'UNPROVISIONED',
      observedGeneration: 0,
      controlMode: 'PRE_PROVISIONING',
      remoteStatus: null,
    })
    await agent.send('events', { kind: 'rpc.started', message: 'x' })
    await other.client.publishAsync(buildTopic({ ...key, leaf: 'status' }), Buffer.from('{}'), { qos: 1 })
    await agent.send('secret/req', { correlationId: crypto.randomUUID(), purpose: 'deactivate', generation: 1 })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw only ${seen.join(', ')}`)), 10_000)
      wake = () => {
        if (!seen.includes('secret/req')) return
        clearTimeout(timer)
        resolve()
      }
      wake()
    })
    t.deepEqual(seen, ['presence', 'capability', 'state', 'events', 'secret/req'])
  })
}

test('embedded bus: a retained publication reaches later subscribers; after close nothing is delivered to the manager any more', async (t) => {
  const broker = await startTestBroker(t)
  const bus = createEmbeddedBus(broker.broker.aedes, { log: silentLogger() })
  const seen: string[] = []
  await new Promise<void>((resolve) => bus.start({ onMessage: (topic) => seen.push(topic), onReady: resolve }))
  t.true(bus.connected)
  const key = { tenantId: TENANT, hostId: 'h-2' }
  const desired = {
    v: 1,
    ts: new Date().toISOString(),
    hostId: 'h-2',
    generation: 3,
    state: 'PROVISIONED',
    controlMode: 'CCM',
  }
  bus.publish(buildTopic({ ...key, leaf: 'desired' }), Buffer.from(JSON.stringify(desired)), retained)
  const agent = await connectFakeAgent(t, broker, key)
  t.is((await agent.waitFor(key, 'desired')).generation, 3, 'stored as retained by the broker, replayed on subscribe')
  await bus.close()
  t.false(bus.connected)
  await agent.send('state', {
    phase: 'UNPROVISIONED',
    observedGeneration: 0,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
  })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.deepEqual(seen, [], 'unsubscribed')
})
