import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createEmbeddedBus } from '../../../manager/bus/embedded-bus.ts'
import { createManagerBus, type ManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { buildProbeTopic, encodeProbe } from '../../../schemas/probe.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { startTestBroker, type TestBroker } from '../../helpers/broker.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { Inbox, connectClient, publishOutcome, subscribeCodes } from '../../broker/support/mqtt-clients.ts'
import { capturedLogger } from '../secrets/support.ts'

// The delivery probe on our own broker: it comes back to the manager (MQTT connection or in process), and only the
// manager may publish or read it.

const WAIT_MS = 30_000
const key = { tenantId: 'acme', hostId: 'node-1' }

const BUSES = {
  mqtt: async (broker: TestBroker): Promise<ManagerBus> =>
    createManagerBus({ url: broker.url, ...(await broker.addManager()), reconnectPeriodMs: 50, log: silentLogger() }),
  embedded: (broker: TestBroker): Promise<ManagerBus> =>
    Promise.resolve(createEmbeddedBus(broker.broker.aedes, { log: silentLogger() })),
}

for (const [kind, createBus] of Object.entries(BUSES)) {
  test(`${kind} bus: the probe comes back (ready); integrators never see it and the ingest only sees devices`, async (t) => {
    const broker = await startTestBroker(t)
    const integrator = await connectClient(t, broker.url, await broker.addIntegrator())
    const seenByIntegrator = new Inbox(integrator)
    t.deepEqual(await subscribeCodes(integrator, ['amt/v1/+/+/events', 'amt/v1/#']), [1, 1])

    const bus = await createBus(broker)
    t.teardown(() => bus.close(true))
    t.false(bus.health().ok, 'not ready before it started')
    const received: string[] = []
    bus.start({ onMessage: (topic) => received.push(topic), onReady: () => undefined })
    await eventually(() => Promise.resolve(bus.health().ok), 'the probe to come back', WAIT_MS)

    const device = await connectClient(t, broker.url, await broker.addDevice(key.tenantId, key.hostId))
    const events = buildTopic({ ...key, leaf: 'events' })
    await device.publishAsync(events, '{}', { qos: 1 })
    await eventually(() => Promise.resolve(received.includes(events)), 'the device event at the manager', WAIT_MS)
    await seenByIntegrator.until(
      (messages) => messages.some((m) => m.topic === events),
      'the device event at the integrator',
    )
    t.deepEqual(received, [events])
    t.deepEqual(
      seenByIntegrator.messages.map((m) => m.topic),
      [events],
      'no probe, through either filter',
    )
    t.true(
      (broker.broker.stats().forwardDropped['manager-only'] ?? 0) > 0,
      'the probes were dropped for the integrator',
    )
  })
}

test('devices may neither publish a probe (connection closed) nor subscribe to one', async (t) => {
  const broker = await startTestBroker(t)
  const observer = await connectClient(t, broker.url, await broker.addManager())
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/+/+/events']), [1])
  const credential = await broker.addDevice(key.tenantId, key.hostId)
  const device = await connectClient(t, broker.url, credential)
  const probe = buildProbeTopic({ instanceId: 'amt-manager', leaf: 'events' })
  t.is(await publishOutcome(device, observer, probe, encodeProbe('aaaaaaaa-1').toString()), 'connection closed')
  t.deepEqual(broker.broker.stats().publishDenied, { 'manager-only': 1 })

  const again = await connectClient(t, broker.url, credential)
  t.deepEqual(await subscribeCodes(again, [probe, 'amt/v1/+/+/events', 'amt/v1/#']), [128, 128, 128])
  // The manager itself may: its probe reaches a manager subscription.
  const manager = await connectClient(t, broker.url, await broker.addManager())
  t.is(await publishOutcome(manager, observer, probe, encodeProbe('bbbbbbbb-2').toString()), 'delivered')
})

test('mqtt bus: a refused subscription (SUBACK 0x80) is not ready, with the refused filters, logged once as an error', async (t) => {
  const broker = await startTestBroker(t)
  const { log, lines } = capturedLogger()
  // A tenant integrator's account: connects, but amt/v1/+/+/<leaf> is wider than its tenant.
  const bus = createManagerBus({ url: broker.url, ...(await broker.addIntegrator('acme')), reconnectPeriodMs: 50, log })
  t.teardown(() => bus.close(true))
  await new Promise<void>((resolve) => bus.start({ onMessage: () => undefined, onReady: resolve }))
  t.true(bus.connected)
  const health = bus.health()
  t.false(health.ok)
  if (!health.ok)
    t.regex(health.detail, /the broker refused the subscriptions amt\/v1\/\+\/\+\/presence, .*\(SUBACK 0x80\)/)
  const errors = lines
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level >= 50)
  t.is(errors.length, 1)
  t.regex(errors[0]?.msg ?? '', /refused subscriptions \(SUBACK 0x80\)/)
})
