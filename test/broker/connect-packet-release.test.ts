import test from 'ava'
import type { Client } from 'aedes'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { Inbox, connectClient, subscribeCodes, within } from './support/mqtt-clients.ts'

/** What mqtt-packet's parser holds as its settings: the CONNECT packet, until the broker lets go of it. */
type Settings = Record<string, unknown>
const settingsOf = (client: Client): Settings =>
  (client as unknown as { _parser: { settings: Settings } })._parser.settings

const H1 = { tenantId: 't1', hostId: 'h1' }

test('once a device is connected the broker holds neither its CONNECT packet nor its password bytes', async (t) => {
  const broker = await startTestBroker(t)
  const device = await broker.addDevice('t1', 'h1')
  const observer = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(observer)
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])

  const clientId = agentClientId(H1, 'release')
  // At the CONNACK the parser still holds the CONNECT: keep its password Buffer to look at it afterwards.
  const passwords: unknown[] = []
  broker.broker.aedes.on('connackSent', (_connack, client) => {
    if (client.id === clientId) passwords.push(settingsOf(client).password)
  })
  const ready = new Promise<Client>((resolve) =>
    broker.broker.aedes.on('clientReady', (client) => client.id === clientId && resolve(client)),
  )
  const presence = buildTopic({ ...H1, leaf: 'presence' })
  const willPayload = contractPayload(presence, 'gone')
  const agent = await connectClient(t, broker.url, device, {
    clientId,
    will: { topic: presence, payload: Buffer.from(willPayload), qos: 1, retain: true },
  })
  const client = await within(ready, 'the device to be ready')

  t.deepEqual(settingsOf(client), { protocolVersion: 4 }, 'the parser keeps what it reads, nothing of the CONNECT')
  const [password] = passwords
  t.true(Buffer.isBuffer(password), 'the CONNECT carried the password as a Buffer')
  if (!Buffer.isBuffer(password)) return
  t.is(password.length, Buffer.byteLength(device.password))
  t.true(password.equals(Buffer.alloc(password.length)), 'its bytes are zeroed')

  // The connection still parses packets (its protocol version kept), and its will is intact.
  const state = buildTopic({ ...H1, leaf: 'state' })
  await agent.publishAsync(state, contractPayload(state, 'after'), { qos: 1, retain: true })
  await inbox.until((messages) => messages.some((m) => m.topic === state), 'the state published after CONNECT')
  const gone = new Promise<void>((resolve) =>
    broker.broker.aedes.on('clientDisconnect', (c) => c.id === clientId && resolve()),
  )
  agent.stream.destroy()
  await within(gone, 'the broker to drop the device')
  await inbox.until((messages) => messages.some((m) => m.topic === presence), 'the will')
  t.deepEqual(
    inbox.messages.map((m) => [m.topic, m.payload]),
    [
      [state, contractPayload(state, 'after')],
      [presence, willPayload],
    ],
  )
})
