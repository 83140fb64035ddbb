import { randomBytes } from 'node:crypto'
import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { busCheck } from '../../../manager/api/readiness.ts'
import { createManagerBus, type ManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { capturedLogger } from '../secrets/support.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { startMosquitto, type RunningMosquitto } from '../../helpers/mosquitto.ts'

// Mosquitto 2 (MQTT 3.1.1) with an acl_file grants a SUBSCRIBE its ACL denies (SUBACK 0x01) and filters at delivery:
// only the delivery probe can tell the manager that its subscriptions deliver nothing.

const READY_WAIT_MS = 30_000
const manager = { username: 'amt-manager', password: randomBytes(9).toString('hex') }
const device = { username: 'node-1@acme', password: randomBytes(9).toString('hex') }
const DEVICE_ACL = 'user node-1@acme\ntopic write amt/v1/acme/node-1/#\ntopic read amt/v1/acme/node-1/desired\n'
const WRITE_ONLY = `user amt-manager\ntopic write amt/v1/#\n\n${DEVICE_ACL}`
const READ_WRITE = `user amt-manager\ntopic readwrite amt/v1/#\n\n${DEVICE_ACL}`

async function startBus(
  t: ExecutionContext,
  broker: RunningMosquitto,
  probe: { intervalMs: number; timeoutMs: number },
) {
  const { log, lines } = capturedLogger()
  const bus = createManagerBus({ url: broker.url, ...manager, reconnectPeriodMs: 200, probe, log })
  t.teardown(() => bus.close(true))
  const received: string[] = []
  const subscribed = new Promise<void>((resolve) =>
    bus.start({ onMessage: (topic) => received.push(topic), onReady: resolve }),
  )
  await subscribed
  const errors = () =>
    lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level >= 50)
  return { bus, received, errors, lines }
}

const notReady = (bus: ManagerBus) => {
  const health = bus.health()
  return health.ok ? false : health.detail.startsWith('subscriptions deliver nothing') && health
}

test('mosquitto: the ACL denies the manager read on amt/v1/#: granted SUBACK, nothing delivered → not ready, the reason, one error', async (t) => {
  const broker = await startMosquitto(t, { users: [manager, device], acl: WRITE_ONLY })
  const { bus, received, errors } = await startBus(t, broker, { intervalMs: 500, timeoutMs: 3000 })

  const health = await eventually(
    () => Promise.resolve(notReady(bus)),
    'the bus to report not delivering',
    READY_WAIT_MS,
  )
  t.regex(health.detail, /probe on amt\/v1\/_probe\/[^ ]+\/presence, .* not delivered within 3 s/)
  t.regex(
    health.detail,
    /the broker accepted the subscription but its ACL may deny this account read access to amt\/v1\/\+\/\+\/presence/,
  )
  t.deepEqual(busCheck(bus)(), { name: 'bus', ok: false, detail: health.detail })
  t.true(bus.connected, 'connected all along: connection state alone said ready')

  // A device's telemetry, allowed to be published, never reaches the manager.
  const agent = await mqtt.connectAsync(
    broker.url,
    { ...device, clientId: 'amt-agent:acme:node-1', reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => agent.endAsync(true))
  await agent.publishAsync(buildTopic({ tenantId: 'acme', hostId: 'node-1', leaf: 'events' }), '{}', { qos: 1 })
  t.deepEqual(received, [])

  // Rounds keep failing (interval 0.5 s, timeout 3 s); the error is logged once, with what to fix.
  await eventually(() => Promise.resolve(errors().length > 0), 'the error line', READY_WAIT_MS)
  const logged = errors()
  t.is(logged.length, 1)
  t.regex(
    logged[0]?.msg ?? '',
    /subscriptions deliver nothing: .*Fix: in the broker's ACL allow this account to read amt\/v1\/\+\/\+\/presence/,
  )
})

test('mosquitto: with read access the probe comes back → ready; probes never reach the ingest', async (t) => {
  const broker = await startMosquitto(t, { users: [manager, device], acl: READ_WRITE })
  const { bus, received, errors } = await startBus(t, broker, { intervalMs: 500, timeoutMs: 10_000 })
  await eventually(() => Promise.resolve(bus.health().ok), 'the bus to be ready', READY_WAIT_MS)
  t.deepEqual(busCheck(bus)(), { name: 'bus', ok: true })

  const agent = await mqtt.connectAsync(
    broker.url,
    { ...device, clientId: 'amt-agent:acme:node-1', reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => agent.endAsync(true))
  const events = buildTopic({ tenantId: 'acme', hostId: 'node-1', leaf: 'events' })
  await agent.publishAsync(events, '{}', { qos: 1 })
  await eventually(() => Promise.resolve(received.includes(events)), 'the device event', READY_WAIT_MS)
  t.deepEqual(received, [events], 'only device telemetry, no probe')
  t.deepEqual(errors(), [])
})

test('mosquitto: read access granted later (ACL reloaded) → ready again, said once', async (t) => {
  const broker = await startMosquitto(t, { users: [manager, device], acl: WRITE_ONLY })
  const { bus, lines } = await startBus(t, broker, { intervalMs: 500, timeoutMs: 3000 })
  await eventually(() => Promise.resolve(notReady(bus)), 'the bus to report not delivering', READY_WAIT_MS)
  await broker.reloadAcl(READ_WRITE)
  await eventually(() => Promise.resolve(bus.health().ok), 'the bus to be ready after the ACL fix', READY_WAIT_MS)
  const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg)
  t.is(messages.filter((msg) => msg.startsWith('subscriptions deliver nothing')).length, 1)
  t.is(messages.filter((msg) => msg.startsWith('subscriptions deliver again')).length, 1)
})

test('mosquitto killed (SIGKILL) and started again on the same port: not connected, then probing again → ready', async (t) => {
  const broker = await startMosquitto(t, { users: [manager, device], acl: READ_WRITE })
  const { bus, errors } = await startBus(t, broker, { intervalMs: 30_000, timeoutMs: 10_000 })
  await eventually(() => Promise.resolve(bus.health().ok), 'the bus to be ready', READY_WAIT_MS)
  await broker.kill('SIGKILL')
  const down = await eventually(
    () => Promise.resolve(!bus.health().ok && bus.health()),
    'the bus to notice',
    READY_WAIT_MS,
  )
  t.deepEqual(down, { ok: false, detail: 'not connected to the broker' })
  await broker.start()
  // A fresh round after the reconnect, not the next 30 s tick.
  await eventually(() => Promise.resolve(bus.health().ok), 'the bus to be ready after the restart', READY_WAIT_MS)
  t.deepEqual(errors(), [])
})
