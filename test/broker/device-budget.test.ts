import test, { type ExecutionContext } from 'ava'
import type { MqttClient } from 'mqtt'
import { createLogger } from '../../lib/log.ts'
import { agentClientId, type HostIdentity } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker, type TestBroker } from '../helpers/broker.ts'
import type { BrokerConfigInput } from '../../broker/config.ts'
import {
  connectClient,
  publishOutcome,
  refusedConnect,
  subscribeCodes,
  within,
  type Credential,
} from './support/mqtt-clients.ts'

/**
 * Per-device budgets (broker/limits/device-budget.ts): publish rate, bytes and concurrent connections are limited
 * per device across all its connections. `events` is published (not retained, no payload check at the broker).
 * Windows are long enough never to roll over during a test on a loaded machine.
 */
const H1: HostIdentity = { tenantId: 't1', hostId: 'h1' }
const H2: HostIdentity = { tenantId: 't1', hostId: 'h2' }
const LONG_WINDOW_MS = 600_000
const CONNACK_SERVER_UNAVAILABLE = 3

interface Line {
  msg: string
  reason?: string
}

async function budgetBroker(t: ExecutionContext, limits: BrokerConfigInput['limits']) {
  const lines: Line[] = []
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (text: string) => void lines.push(JSON.parse(text) as Line) },
  })
  const broker = await startTestBroker(t, { log, limits })
  const observer = await connectClient(t, broker.url, await broker.addManager())
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])
  return { broker, observer, lines }
}

/** `count` connections of one device, with side-connection ids (`amt-agent:<tenant>:<host>:conn-<i>`). */
async function deviceConnections(
  t: ExecutionContext,
  broker: TestBroker,
  device: Credential,
  identity: HostIdentity,
  count: number,
): Promise<MqttClient[]> {
  const clients: MqttClient[] = []
  for (let i = 0; i < count; i++)
    clients.push(await connectClient(t, broker.url, device, { clientId: agentClientId(identity, `conn-${i}`) }))
  return clients
}

/** Publishes `events` round robin over the connections still open, `rounds` times each; what the observer got. */
async function publishRoundRobin(
  clients: MqttClient[],
  observer: MqttClient,
  identity: HostIdentity,
  rounds: number,
  payload = (n: number) => `m${n}`,
) {
  const topic = buildTopic({ ...identity, leaf: 'events' })
  let delivered = 0
  let sent = 0
  for (let round = 0; round < rounds; round++) {
    for (const client of clients) {
      if (!client.connected) continue
      sent += 1
      if ((await publishOutcome(client, observer, topic, `${identity.hostId}-${payload(sent)}`)) === 'delivered')
        delivered += 1
    }
  }
  return { delivered, open: clients.filter((client) => client.connected).length }
}

test('four connections of one device together get one publish budget; another device is unaffected', async (t) => {
  const { broker, observer, lines } = await budgetBroker(t, {
    devicePublishRateLimit: { max: 20, windowMs: LONG_WINDOW_MS },
    maxConnectionsPerDevice: 4,
  })
  const device = await broker.addDevice(H1.tenantId, H1.hostId)
  const clients = await deviceConnections(t, broker, device, H1, 4)
  const { delivered, open } = await publishRoundRobin(clients, observer, H1, 10)
  t.is(delivered, 20, "the budget is the device's: 20 of 40 attempts, not 20 per connection")
  t.is(open, 0, 'each connection that went over the budget was closed')
  t.deepEqual(broker.broker.stats().publishDenied, { 'rate-limited': 4 })

  const neighbour = await broker.addDevice(H2.tenantId, H2.hostId)
  const [other] = await deviceConnections(t, broker, neighbour, H2, 1)
  t.like(
    await publishRoundRobin([other!], observer, H2, 20),
    { delivered: 20, open: 1 },
    'a second device has its own budget',
  )
  const warnings = lines.filter((line) => line.reason === 'rate-limited')
  t.is(warnings.length, 1, 'one warning per address and window; the rest is counted')
})

test('bytes: topic + payload bytes of all connections of one device count against one byte budget', async (t) => {
  const { broker, observer } = await budgetBroker(t, { deviceByteRateLimit: { max: 4000, windowMs: LONG_WINDOW_MS } })
  const device = await broker.addDevice(H1.tenantId, H1.hostId)
  const clients = await deviceConnections(t, broker, device, H1, 2)
  // 'amt/v1/t1/h1/events' is 19 bytes, 'h1-' + 997 characters 1000: three messages are 3,057 bytes, four 4,076.
  const { delivered } = await publishRoundRobin(clients, observer, H1, 3, () => 'x'.repeat(997))
  t.is(delivered, 3)
  t.deepEqual(broker.broker.stats().publishDenied, { 'byte-rate-limited': 2 })
  const neighbour = await broker.addDevice(H2.tenantId, H2.hostId)
  const [other] = await deviceConnections(t, broker, neighbour, H2, 1)
  t.like(await publishRoundRobin([other!], observer, H2, 3, () => 'x'.repeat(997)), { delivered: 3 })
})

test('a device may hold maxConnectionsPerDevice connections; a takeover of its own id is no extra one', async (t) => {
  const { broker } = await budgetBroker(t, { maxConnectionsPerDevice: 2 })
  const device = await broker.addDevice(H1.tenantId, H1.hostId)
  const main = await connectClient(t, broker.url, device, { clientId: agentClientId(H1) })
  const status = await connectClient(t, broker.url, device, { clientId: agentClientId(H1, 'status-0a1b2c3d') })
  t.is(await refusedConnect(broker.url, device, { clientId: agentClientId(H1, 'flood-1') }), CONNACK_SERVER_UNAVAILABLE)
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'device-connections': 1 })

  const closed = new Promise<void>((resolve) => main.once('close', () => resolve()))
  const again = await connectClient(t, broker.url, device, { clientId: agentClientId(H1) })
  await within(closed, 'the takeover to close the first connection')
  t.true(again.connected && status.connected, 'the agent reconnecting with its own id takes its session over')

  const neighbour = await broker.addDevice(H2.tenantId, H2.hostId)
  t.is((await deviceConnections(t, broker, neighbour, H2, 2)).length, 2, 'another device is unaffected')
  const statusId = agentClientId(H1, 'status-0a1b2c3d')
  const gone = new Promise<void>((resolve) =>
    broker.broker.aedes.on('clientDisconnect', (client) => client.id === statusId && resolve()),
  )
  await status.endAsync()
  await within(gone, 'the broker to see the status connection go')
  t.true(
    (await connectClient(t, broker.url, device, { clientId: agentClientId(H1, 'status-4e5f6a7b') })).connected,
    'a freed slot is free',
  )
})
