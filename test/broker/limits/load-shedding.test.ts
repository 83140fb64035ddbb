import test from 'ava'
import mqtt, { type MqttClient } from 'mqtt'
import { LoadShedder, type ConnectShedder } from '../../../broker/limits/load-shedder.ts'
import { startTestBroker, type TestCredential } from '../../helpers/broker.ts'
import { agentClientId } from '../../../schemas/principals.ts'

/** A shedder the test switches on and off. */
function switchedShedder(): ConnectShedder & { on: boolean } {
  return {
    on: false,
    start: () => undefined,
    stop: () => undefined,
    shed() {
      return this.on
    },
  }
}

type Outcome = { connected: true; client: MqttClient } | { connected: false; code: unknown }

/** One CONNECT over a real socket: the CONNACK's verdict (an error with its return code, or a session). */
function connectOnce(url: string, credential: TestCredential, clientId: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      ...credential,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    })
    client.once('connect', () => resolve({ connected: true, client }))
    client.once('error', (err) => {
      client.end(true)
      resolve({ connected: false, code: (err as { code?: unknown }).code })
    })
    client.once('close', () => setImmediate(() => reject(new Error('closed without CONNACK'))))
  })
}

test('while the broker sheds, a device CONNECT gets CONNACK 3 (busy, counted); afterwards it is admitted', async (t) => {
  const shedder = switchedShedder()
  const broker = await startTestBroker(t, { shedder })
  const device = await broker.addDevice('acme', 'node-shed')
  const clientId = agentClientId({ tenantId: 'acme', hostId: 'node-shed' })
  shedder.on = true
  t.deepEqual(await connectOnce(broker.url, device, clientId), { connected: false, code: 3 })
  t.is(broker.broker.stats().connectionsRefused.busy, 1)
  t.is(broker.broker.connections(), 0)
  shedder.on = false
  const admitted = await connectOnce(broker.url, device, clientId)
  t.true(admitted.connected)
  if (admitted.connected) await admitted.client.endAsync()
  t.is(broker.broker.stats().connectionsRefused.busy, 1)
})

test('the manager and integrators are never shed: they work the load off, and are few', async (t) => {
  const shedder = switchedShedder()
  const broker = await startTestBroker(t, { shedder })
  shedder.on = true
  for (const credential of [await broker.addManager(), await broker.addIntegrator('acme')]) {
    const outcome = await connectOnce(broker.url, credential, credential.username)
    t.true(outcome.connected, credential.username)
    if (outcome.connected) await outcome.client.endAsync()
  }
  t.is(broker.broker.stats().connectionsRefused.busy, undefined)
})

test('a wrong password is still answered as a wrong password while shedding (credentials first)', async (t) => {
  const shedder = switchedShedder()
  const broker = await startTestBroker(t, { shedder })
  const device = await broker.addDevice('acme', 'node-wrong')
  shedder.on = true
  const outcome = await connectOnce(
    broker.url,
    { ...device, password: 'wrong' },
    agentClientId({ tenantId: 'acme', hostId: 'node-wrong' }),
  )
  t.deepEqual(outcome, { connected: false, code: 4 })
})

test('the load shedder sees a blocked event loop while it is blocked, and lets go once the loop is on time', async (t) => {
  const shedder = new LoadShedder({ maxLagMs: 50, sampleMs: 20 })
  t.teardown(() => shedder.stop())
  t.false(shedder.shed(), 'not started: never sheds')
  shedder.start()
  const until = performance.now() + 200
  while (performance.now() < until); // the loop is blocked: the timer is overdue by ~180 ms
  t.true(shedder.lagMs() >= 150)
  t.true(shedder.shed())
  // An idle loop: within a few samples the lag is back under the limit (generous bound for a loaded machine).
  const deadline = Date.now() + 10_000
  while (shedder.shed() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  t.false(shedder.shed())

  const never = new LoadShedder({ maxLagMs: 0, sampleMs: 20 })
  never.start()
  const blockedUntil = performance.now() + 100
  while (performance.now() < blockedUntil);
  t.false(never.shed(), 'maxLagMs 0: off')
  never.stop()
})
