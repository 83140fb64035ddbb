import { connect, type Socket } from 'node:net'
import test, { type ExecutionContext } from 'ava'
import mqtt, { type MqttClient } from 'mqtt'
import { createLogger } from '../../lib/log.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker, type TestBroker } from '../helpers/broker.ts'
import { eventually } from '../helpers/manager-mqtt.ts'
import { connectPacket, rawConnect } from './support/raw-connect.ts'
import { contractPayload } from './support/contract-payloads.ts'
import {
  Inbox,
  connectClient,
  type Credential,
  publishOutcome,
  refusedConnect,
  subscribeCodes,
  within,
} from './support/mqtt-clients.ts'

const state = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'state' })

/** A device publisher and a manager observer subscribed to the whole tree. */
async function publisherAndObserver(t: ExecutionContext, broker: TestBroker) {
  const observer = await connectClient(t, broker.url, await broker.addManager())
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])
  const device = await broker.addDevice('t1', 'h1')
  return { observer, device, publisher: await connectClient(t, broker.url, device) }
}

/** A raw TCP socket that writes `bytes` and resolves when the broker closes it. */
async function rawBytesClosed(t: ExecutionContext, port: number, bytes: Uint8Array): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.resume() // unread bytes (a reply before the close) would hold back 'end' and so 'close'
  socket.write(bytes)
  await within(closed, 'the broker to close the raw socket')
}

test('an oversized packet closes that connection; others keep being served', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxPacketBytes: 1024 } })
  const { observer, device } = await publisherAndObserver(t, broker)
  const presence = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'presence' })
  const publisher = await connectClient(t, broker.url, device, {
    will: { topic: presence, payload: Buffer.from(contractPayload(presence, 'offline')), qos: 1, retain: true },
  })
  const inbox = new Inbox(observer)
  t.is(
    await publishOutcome(publisher, observer, state, contractPayload(state, 'x'.repeat(700))),
    'delivered',
    'under the limit',
  )
  t.is(await publishOutcome(publisher, observer, state, 'x'.repeat(2000)), 'connection closed')
  await inbox.until(
    (messages) => messages.some((m) => m.topic === presence && m.payload === contractPayload(presence, 'offline')),
    'the last will of the closed connection',
  )
  const again = await connectClient(t, broker.url, device)
  t.is(await publishOutcome(again, observer, state, contractPayload(state, 'after')), 'delivered')
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'packet-too-large': 1 })
})

test('a length header announcing a huge packet closes the socket before any body is buffered', async (t) => {
  const broker = await startTestBroker(t)
  await rawBytesClosed(t, broker.port, Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f]))
  await rawBytesClosed(t, broker.port, Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'packet-too-large': 1, 'malformed-length': 1 })
})

test('garbage bytes close that socket; other clients are unaffected', async (t) => {
  const broker = await startTestBroker(t)
  const { observer, publisher } = await publisherAndObserver(t, broker)
  await rawBytesClosed(t, broker.port, Uint8Array.from([0x00, 0x00, 0xde, 0xad, 0xbe, 0xef]))
  await rawBytesClosed(t, broker.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  t.is(await publishOutcome(publisher, observer, state, contractPayload(state, 'still served')), 'delivered')
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'protocol-error': 2 })
})

test('too many topic levels: publish closes the connection, subscribe gets 0x80', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxTopicLevels: 8 } })
  const manager = await broker.addManager()
  const observer = await connectClient(t, broker.url, manager)
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#', 'amt/v1/a/b/c/d/e/f/#']), [1, 128])
  const deep = `amt/v1/${Array.from({ length: 8 }, (_, i) => `l${i}`).join('/')}`
  t.is(await publishOutcome(await connectClient(t, broker.url, manager), observer, deep, 'deep'), 'connection closed')
  // Past aedes' own hard cap (100) the router would throw; the broker closes the connection instead.
  const abyss = Array.from({ length: 150 }, () => 'x').join('/')
  t.is(await publishOutcome(await connectClient(t, broker.url, manager), observer, abyss, 'abyss'), 'connection closed')
  t.is(await publishOutcome(await connectClient(t, broker.url, manager), observer, state, 'normal'), 'delivered')
  const { publishDenied, subscribeDenied, connectionsClosed } = broker.broker.stats()
  t.deepEqual(
    { publishDenied, subscribeDenied, connectionsClosed },
    {
      publishDenied: { 'too-many-levels': 1 },
      subscribeDenied: { 'too-many-levels': 1 },
      connectionsClosed: { 'too-many-levels': 1 },
    },
  )
})

test('connection rate limit per source address', async (t) => {
  const broker = await startTestBroker(t, { limits: { connectRateLimit: { burst: 3, perSecond: 0.001 } } })
  const manager = await broker.addManager()
  for (let i = 0; i < 3; i++) await connectClient(t, broker.url, manager)
  t.is(await refusedConnect(broker.url, manager), 'connection closed', 'closed without CONNACK')
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'rate-limited': 1 })
})

test('connection rate limit: one warning per address and window, every refusal counted', async (t) => {
  type Line = { msg: string; reason?: string; remoteAddress?: string }
  const lines: Line[] = []
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (text: string) => void lines.push(JSON.parse(text) as Line) },
  })
  const broker = await startTestBroker(t, { log, limits: { connectRateLimit: { burst: 2, perSecond: 0.001 } } })
  const manager = await broker.addManager()
  const packet = (i: number) => connectPacket(`${manager.username}:limited-${i}`, manager.username, manager.password)
  for (let i = 0; i < 2; i++) t.is(await rawConnect(broker.port, packet(i)), 0, `attempt ${i} within the burst`)
  for (let i = 2; i < 42; i++) t.is(await rawConnect(broker.port, packet(i)), 'closed', `attempt ${i} refused`)
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'rate-limited': 40 })
  const refusals = lines.filter((line) => line.reason === 'rate-limited')
  t.is(refusals.length, 1, refusals.map((line) => line.msg).join('\n'))
  t.like(refusals[0], { remoteAddress: '127.0.0.1' })
})

test('the default connect rate limit admits 1,000 CONNECTs from one address (a site behind NAT), still limits', async (t) => {
  const broker = await startTestBroker(t, { limits: { connectRateLimit: {} } })
  const manager = await broker.addManager()
  const began = Date.now()
  // Bare sockets, 100 at a time. Every 10th logs in (CONNACK 0); the others send no credentials, which costs no
  // scrypt, and are refused only by authentication (CONNACK 5): the connect limit closes without a CONNACK.
  const answers: Array<number | 'closed'> = []
  for (let batch = 0; batch < 10; batch++) {
    const packets = Array.from({ length: 100 }, (_, i) =>
      i % 10 === 0
        ? connectPacket(`${manager.username}:site-${batch}-${i}`, manager.username, manager.password)
        : connectPacket(`site-${batch}-${i}`, '', ''),
    )
    answers.push(...(await Promise.all(packets.map((packet) => rawConnect(broker.port, packet)))))
  }
  t.is(answers.filter((answer) => answer === 0).length, 100, 'the attempts with credentials are connected')
  t.is(answers.filter((answer) => answer === 5).length, 900, 'the others got past the connect limit to authentication')
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'missing-credentials': 900 })
  // The burst is spent: one address now gets no more than the refill (20 a second) of the time that has passed.
  const flood = await Promise.all(
    Array.from({ length: 300 }, (_, i) => rawConnect(broker.port, connectPacket(`flood-${i}`, '', ''))),
  )
  const admitted = flood.filter((answer) => answer !== 'closed').length
  const seconds = (Date.now() - began) / 1000
  t.true(admitted <= Math.ceil(20 * seconds) + 1, `${admitted} of 300 admitted in ${seconds} s`)
  t.is(broker.broker.stats().connectionsRefused['rate-limited'], 300 - admitted)
})

test('maximum connections', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxConnections: 2 } })
  const manager = await broker.addManager()
  const first = await connectClient(t, broker.url, manager)
  await connectClient(t, broker.url, manager)
  t.is(await refusedConnect(broker.url, manager), 'connection closed')
  const disconnected = new Promise<void>((resolve) => broker.broker.aedes.once('clientDisconnect', () => resolve()))
  await first.endAsync()
  await within(disconnected, 'the broker to see the disconnect')
  await t.notThrowsAsync(connectClient(t, broker.url, manager), 'a freed slot can be used again')
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'max-connections': 1 })
})

test('sockets that never sent CONNECT hold no connection slot (the unauthenticated pool bounds them)', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxConnections: 2 } })
  const idle = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const socket = connect({ host: '127.0.0.1', port: broker.port })
      t.teardown(() => socket.destroy())
      socket.on('error', () => undefined)
      await within(new Promise((resolve) => socket.once('connect', resolve)), 'an idle socket to connect')
      return socket
    }),
  )
  const manager = await broker.addManager()
  await connectClient(t, broker.url, manager)
  await connectClient(t, broker.url, manager)
  t.true(
    idle.every((socket) => !socket.destroyed),
    'the idle sockets are still open',
  )
  t.is(
    await refusedConnect(broker.url, manager),
    'connection closed',
    'the third authenticated connection is over maxConnections',
  )
})

test('client id takeovers do not use up connection slots (reconnect storm)', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxConnections: 3 } })
  const device = await broker.addDevice('t1', 'h1')
  const attempt = (credential: Credential, clientId?: string) =>
    mqtt
      .connectAsync(
        broker.url,
        { ...credential, ...(clientId === undefined ? {} : { clientId }), protocolVersion: 4, reconnectPeriod: 0 },
        false,
      )
      .catch(() => undefined)
  const closeAll = (clients: ReadonlyArray<MqttClient | undefined>) =>
    Promise.all(clients.filter((client) => client !== undefined).map((client) => client.endAsync(true)))
  // One device reconnecting while its previous connections are still open or closing, many times over.
  for (let round = 0; round < 3; round++) {
    const takeovers = await Promise.all(
      Array.from({ length: 30 }, () => attempt(device, agentClientId({ tenantId: 't1', hostId: 'h1' }))),
    )
    await closeAll(takeovers)
  }
  // Once the closes have been processed, all three slots are free again (retried: the closes land asynchronously).
  const manager = await broker.addManager()
  const slots = await eventually(
    async () => {
      const clients = await Promise.all([1, 2, 3].map((slot) => attempt(manager, `${manager.username}:slot-${slot}`)))
      if (clients.every((client) => client !== undefined)) return clients
      await closeAll(clients)
      return undefined
    },
    'three free connection slots',
    30_000,
  )
  t.is(slots.length, 3)
  await closeAll(slots)
})

test('a device connection over its publish rate limit is closed; its last will still goes out; managers are not limited', async (t) => {
  const broker = await startTestBroker(t, { limits: { devicePublishRateLimit: { max: 3, windowMs: 60_000 } } })
  const { observer, device } = await publisherAndObserver(t, broker)
  const presence = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'presence' })
  const inbox = new Inbox(observer)
  const publisher = await connectClient(t, broker.url, device, {
    will: { topic: presence, payload: Buffer.from(contractPayload(presence, 'offline')), qos: 1, retain: true },
  })
  for (let i = 1; i <= 3; i++)
    t.is(
      await publishOutcome(publisher, observer, state, contractPayload(state, `s${i}`)),
      'delivered',
      `publish ${i} of 3`,
    )
  t.is(await publishOutcome(publisher, observer, state, contractPayload(state, 's4')), 'connection closed')
  await inbox.until(
    (messages) => messages.some((m) => m.topic === presence && m.payload === contractPayload(presence, 'offline')),
    'the last will of the limited connection',
  )
  t.deepEqual(broker.broker.stats().publishDenied, { 'rate-limited': 1 })
  const again = await connectClient(t, broker.url, device)
  t.is(
    await publishOutcome(again, observer, state, contractPayload(state, 'same window')),
    'connection closed',
    "the budget is the device's, not the connection's",
  )
  t.deepEqual(broker.broker.stats().publishDenied, { 'rate-limited': 2 })
  const manager = await connectClient(t, broker.url, await broker.addManager())
  const desired = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'desired' })
  for (let i = 1; i <= 5; i++) await manager.publishAsync(desired, `d${i}`, { qos: 1 })
  t.true(manager.connected, 'the manager principal has no publish limit')
})

test('a socket that never sends CONNECT is closed after the connect timeout', async (t) => {
  const broker = await startTestBroker(t, { limits: { connectTimeoutMs: 200 } })
  await rawBytesClosed(t, broker.port, new Uint8Array())
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'connect-timeout': 1 })
})
