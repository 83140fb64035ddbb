import test from 'ava'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { Inbox, connectClient, publishOutcome, subscribeCodes, within } from './support/mqtt-clients.ts'

const H1 = { tenantId: 't1', hostId: 'h1' }
const topicOf = (leaf: 'presence' | 'capability' | 'state') => buildTopic({ ...H1, leaf })
const GARBAGE = [
  '\u0000\u00ff\u001b[2J',
  '{"v":1',
  '[]',
  '{"v":2}',
  contractPayload(buildTopic({ ...H1, hostId: 'h2', leaf: 'capability' }), 'other host'),
]

async function setup(t: Parameters<typeof startTestBroker>[0]) {
  const broker = await startTestBroker(t)
  const device = await broker.addDevice(H1.tenantId, H1.hostId)
  const integrator = await broker.addIntegrator(H1.tenantId)
  const reader = await connectClient(t, broker.url, integrator, { clientId: `${integrator.username}:live` })
  const inbox = new Inbox(reader)
  t.deepEqual(await subscribeCodes(reader, ['amt/v1/t1/+/capability', 'amt/v1/t1/+/presence']), [1, 1])
  const observer = await connectClient(t, broker.url, await broker.addManager())
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])
  const connectDevice = (suffix: string, options = {}) =>
    connectClient(t, broker.url, device, { clientId: agentClientId(H1, suffix), ...options })
  return { broker, integrator, inbox, observer, connectDevice }
}

test('a device payload against the contract on a retained leaf closes the connection and is neither forwarded nor retained', async (t) => {
  const { broker, integrator, inbox, connectDevice } = await setup(t)
  for (const [i, garbage] of GARBAGE.entries()) {
    const publisher = await connectDevice(`garbage-${i}`)
    const closed = new Promise<void>((resolve) => publisher.once('close', () => resolve()))
    publisher.publish(topicOf('capability'), Buffer.from(garbage, 'latin1'), { qos: 1, retain: true })
    await within(closed, 'the broker to close the connection of a device sending garbage')
  }
  t.deepEqual(broker.broker.stats().publishDenied, { 'invalid-payload': GARBAGE.length })

  const valid = contractPayload(topicOf('capability'), 'valid after garbage')
  await (await connectDevice('valid')).publishAsync(topicOf('capability'), valid, { qos: 1, retain: true })
  await inbox.until((messages) => messages.some((m) => m.payload === valid), 'the valid capability at the integrator')
  t.deepEqual(
    inbox.messages.map((m) => m.payload),
    [valid],
    'the integrator never saw the garbage',
  )

  const late = await connectClient(t, broker.url, integrator, { clientId: `${integrator.username}:late` })
  const lateInbox = new Inbox(late)
  await late.subscribeAsync(topicOf('capability'), { qos: 1 })
  await lateInbox.until((messages) => messages.length > 0, 'the retained capability')
  t.deepEqual(
    lateInbox.messages,
    [{ topic: topicOf('capability'), payload: valid, retain: true }],
    'only the valid payload was retained',
  )
})

test('a last will against the contract is dropped; a valid one goes out; a clear (empty payload) passes', async (t) => {
  const { broker, inbox, observer, connectDevice } = await setup(t)
  const drop = async (suffix: string, payload: string): Promise<void> => {
    const client = await connectDevice(suffix, {
      will: { topic: topicOf('presence'), payload: Buffer.from(payload), qos: 1, retain: true },
    })
    const gone = new Promise<void>((resolve) =>
      broker.broker.aedes.on('clientDisconnect', (c) => c.id === client.options.clientId && resolve()),
    )
    client.stream.destroy()
    await within(gone, `the broker to drop ${suffix}`)
  }
  const honest = contractPayload(topicOf('presence'), 'honest will')
  await drop('forged-will', 'offline')
  await drop('honest-will', honest)
  await inbox.until((messages) => messages.some((m) => m.payload === honest), 'the honest will')
  t.deepEqual(
    inbox.messages.map((m) => m.payload),
    [honest],
  )
  t.deepEqual(broker.broker.stats().publishDenied, { 'invalid-payload': 1 })
  t.is(
    await publishOutcome(await connectDevice('clear'), observer, topicOf('state'), ''),
    'delivered',
    'an empty payload clears a retained leaf',
  )
})
