import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { silentLogger } from '../../../lib/log.ts'
import { createManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { agentClientId } from '../../../schemas/principals.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { startMosquitto } from '../../helpers/mosquitto.ts'

// broker.external.persistentSession (default true): a secret request a device publishes while the manager is away
// is queued by the broker and delivered when the manager connects again with its fixed client id.

const KEY = { tenantId: 'acme', hostId: 'node-1' }
const WAIT_MS = 30_000

async function startBus(t: ExecutionContext, url: string, options: { clientId: string; clean: boolean }) {
  const bus = createManagerBus({ url, ...options, reconnectPeriodMs: 200, log: silentLogger() })
  t.teardown(() => bus.close(true))
  const received: Array<{ topic: string; payload: string }> = []
  await new Promise<void>((resolve) =>
    bus.start({
      onMessage: (topic, payload) => received.push({ topic, payload: payload.toString() }),
      onReady: resolve,
    }),
  )
  return { bus, received }
}

test('persistent session: a secret request published while the manager is away reaches it when it is back', async (t) => {
  const broker = await startMosquitto(t)
  const first = await startBus(t, broker.url, { clientId: 'amt-manager-test', clean: false })
  await first.bus.close(true)

  const device = await mqtt.connectAsync(broker.url, { clientId: agentClientId(KEY), reconnectPeriod: 0 }, false)
  t.teardown(() => device.endAsync(true))
  const request = buildTopic({ ...KEY, leaf: 'secret/req' })
  await device.publishAsync(request, '{"id":"while-away"}', { qos: 1 })

  const again = await startBus(t, broker.url, { clientId: 'amt-manager-test', clean: false })
  const delivered = await eventually(
    () => Promise.resolve(again.received.find((message) => message.topic === request)),
    'the queued request',
    WAIT_MS,
  )
  t.is(delivered.payload, '{"id":"while-away"}')
})

test('clean session: the same request is not kept for a manager that was away', async (t) => {
  const broker = await startMosquitto(t)
  const first = await startBus(t, broker.url, { clientId: 'amt-manager-clean', clean: true })
  await first.bus.close(true)
  const device = await mqtt.connectAsync(broker.url, { clientId: agentClientId(KEY), reconnectPeriod: 0 }, false)
  t.teardown(() => device.endAsync(true))
  const request = buildTopic({ ...KEY, leaf: 'secret/req' })
  await device.publishAsync(request, '{"id":"lost"}', { qos: 1 })
  // A marker published after the manager is back arrives; the request published before it never does (in order).
  const again = await startBus(t, broker.url, { clientId: 'amt-manager-clean', clean: true })
  await device.publishAsync(request, '{"id":"marker"}', { qos: 1 })
  await eventually(
    () => Promise.resolve(again.received.some((message) => message.payload === '{"id":"marker"}')),
    'the marker',
    WAIT_MS,
  )
  t.deepEqual(
    again.received.filter((message) => message.topic === request).map((message) => message.payload),
    ['{"id":"marker"}'],
  )
})
