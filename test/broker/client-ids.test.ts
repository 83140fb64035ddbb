import test, { type ExecutionContext } from 'ava'
import { createLogger } from '../../lib/log.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { startTestBroker, type TestBroker } from '../helpers/broker.ts'
import { connectPacket, rawConnect } from './support/raw-connect.ts'
import { connectClient, refusedConnect, within } from './support/mqtt-clients.ts'

/**
 * Client ids bound to principals (broker/auth/client-id-policy.ts), over TCP and WebSocket with mqtt.js: nobody can
 * take or block another principal's id; a principal takes over its own; the broker's generated ids work.
 */
const CONNACK_IDENTIFIER_REJECTED = 2
const VICTIM = { tenantId: 'acme', hostId: '4C4C4544-0042-3510-8052-B4C04F4D4433' }

interface Line {
  msg: string
  reason?: string
  clientId?: string
  username?: string
}

async function brokerOnBothListeners(
  t: ExecutionContext,
): Promise<{ broker: TestBroker; urls: { tcp: string; ws: string }; lines: Line[] }> {
  const lines: Line[] = []
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (text: string) => void lines.push(JSON.parse(text) as Line) },
  })
  const broker = await startTestBroker(t, {
    log,
    listeners: { tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0, path: '/mqtt' } },
  })
  return { broker, urls: { tcp: broker.url, ws: `ws://127.0.0.1:${broker.broker.wsPort ?? 0}/mqtt` }, lines }
}

for (const transport of ['tcp', 'ws'] as const) {
  test(`${transport}: a device of another tenant or host cannot squat an agent's client id; the real agent connects`, async (t) => {
    const { broker, urls, lines } = await brokerOnBothListeners(t)
    const url = urls[transport]
    const victim = await broker.addDevice(VICTIM.tenantId, VICTIM.hostId)
    const otherTenant = await broker.addDevice('rival', VICTIM.hostId)
    const otherHost = await broker.addDevice(VICTIM.tenantId, 'h2')
    for (const squatter of [otherTenant, otherHost]) {
      for (const clientId of [
        agentClientId(VICTIM),
        agentClientId(VICTIM, 'status-1a2b3c4d'),
        `amt-agent-${VICTIM.hostId}`,
      ]) {
        t.is(
          await refusedConnect(url, squatter, { clientId }),
          CONNACK_IDENTIFIER_REJECTED,
          `${squatter.username} as ${clientId}`,
        )
      }
    }
    const agent = await connectClient(t, url, victim, { clientId: agentClientId(VICTIM) })
    t.true(agent.connected, 'the real agent is not blocked')
    const side = await connectClient(t, url, victim, { clientId: agentClientId(VICTIM, 'status-1a2b3c4d') })
    t.true(side.connected && agent.connected, 'its side connection too, beside the main one')
    t.deepEqual(broker.broker.stats().connectionsRefused, { 'client-id-not-allowed': 6 })
    const refusal = lines.find((line) => line.reason === 'client-id-not-allowed')
    t.like(refusal, { msg: 'connection refused', clientId: agentClientId(VICTIM), username: otherTenant.username })
  })

  test(`${transport}: an integrator cannot take or block another integrator's or the manager's client id`, async (t) => {
    const { broker, urls } = await brokerOnBothListeners(t)
    const url = urls[transport]
    const [manager, reader, intruder] = [
      await broker.addManager(),
      await broker.addIntegrator('acme'),
      await broker.addIntegrator(),
    ]
    const taken = await connectClient(t, url, reader, { clientId: reader.username })
    for (const clientId of [
      reader.username,
      `${reader.username}:dashboard`,
      manager.username,
      `${manager.username}:replica-1`,
      agentClientId(VICTIM),
    ]) {
      t.is(await refusedConnect(url, intruder, { clientId }), CONNACK_IDENTIFIER_REJECTED, clientId)
    }
    t.true(taken.connected, 'the integrator holding its id keeps its session')
    t.true(
      (await connectClient(t, url, manager, { clientId: manager.username })).connected,
      "the manager's id was not blocked",
    )
    t.true((await connectClient(t, url, reader, { clientId: `${reader.username}:dashboard` })).connected)
    t.true(
      (await connectClient(t, url, intruder, { clientId: `${intruder.username}:own` })).connected,
      'its own namespace works',
    )
    t.deepEqual(broker.broker.stats().connectionsRefused, { 'client-id-not-allowed': 5 })
  })

  test(`${transport}: a principal takes its own session over (devices, integrators and the manager)`, async (t) => {
    const { broker, urls } = await brokerOnBothListeners(t)
    const url = urls[transport]
    const device = await broker.addDevice(VICTIM.tenantId, VICTIM.hostId)
    const manager = await broker.addManager()
    const reader = await broker.addIntegrator('acme')
    for (const [credential, clientId] of [
      [device, agentClientId(VICTIM)],
      [manager, manager.username],
      [reader, `${reader.username}:1`],
    ] as const) {
      const first = await connectClient(t, url, credential, { clientId })
      const closed = new Promise<void>((resolve) => first.once('close', () => resolve()))
      const second = await connectClient(t, url, credential, { clientId })
      await within(closed, `the takeover of ${clientId} to close the first connection`)
      t.true(second.connected, clientId)
    }
    t.deepEqual(broker.broker.stats().connectionsRefused, {})
  })

  test(`${transport}: ids the broker assigns work for integrators and the manager, not for devices`, async (t) => {
    const { broker, urls } = await brokerOnBothListeners(t)
    const url = urls[transport]
    for (const credential of [await broker.addManager(), await broker.addIntegrator('acme')]) {
      const client = await connectClient(t, url, credential, { clientId: '', clean: true })
      t.true(client.connected, credential.username)
    }
    const device = await broker.addDevice(VICTIM.tenantId, VICTIM.hostId)
    t.is(await refusedConnect(url, device, { clientId: '', clean: true }), CONNACK_IDENTIFIER_REJECTED)
    t.deepEqual(broker.broker.stats().connectionsRefused, { 'client-id-not-allowed': 1 })
  })
}

test('an id that only looks generated is no server-assigned id', async (t) => {
  const { broker } = await brokerOnBothListeners(t)
  const reader = await broker.addIntegrator('acme')
  const packet = connectPacket('aedes_0b8e3f0a-6a4e-4b7e-9b1e-2f6c1d7a9e10', reader.username, reader.password)
  t.is(await rawConnect(broker.port, packet), CONNACK_IDENTIFIER_REJECTED)
  t.is(
    await rawConnect(broker.port, connectPacket('', reader.username, reader.password)),
    0,
    'an empty id (clean session) is',
  )
})
