import { createHash } from 'node:crypto'
import { createConnection } from 'node:net'
import test from 'ava'
import type { Client } from 'aedes'
import bl from 'bl'
import { generate, parser, type Packet } from 'mqtt-packet'
import { lightenByteList, type ByteListHolder } from '../../broker/parser-byte-list.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { Inbox, connectClient, subscribeCodes, within } from './support/mqtt-clients.ts'
import { rawConnect } from './support/raw-connect.ts'

const { BufferList } = bl
const H1 = { tenantId: 't1', hostId: 'h1' }
const PRESENCE = buildTopic({ ...H1, leaf: 'presence' })
const STATE = buildTopic({ ...H1, leaf: 'state' })
const DESIRED = buildTopic({ ...H1, leaf: 'desired' })
const bytes = (size: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + seed) % 251))

/** A session's packets as a device and a broker exchange them, MQTT 3.1.1. */
const SESSION_311: Packet[] = [
  {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId: 'amt-agent:t1:h1',
    username: 'device-1',
    password: Buffer.from('s3cret'),
    will: { topic: PRESENCE, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
  },
  { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: DESIRED, qos: 1 }] },
  { cmd: 'publish', topic: STATE, payload: bytes(300, 1), qos: 1, retain: true, dup: false, messageId: 2 },
  { cmd: 'publish', topic: PRESENCE, payload: Buffer.alloc(0), qos: 0, retain: false, dup: false },
  { cmd: 'puback', messageId: 3 },
  { cmd: 'pingreq' },
  { cmd: 'unsubscribe', messageId: 4, unsubscriptions: [DESIRED] },
  { cmd: 'disconnect' },
]

/** The same with MQTT 5's properties and reason codes. */
const SESSION_5: Packet[] = [
  {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 30,
    clientId: 'amt-agent:t1:h1:v5',
    username: 'device-1',
    password: Buffer.from('s3cret'),
    properties: { sessionExpiryInterval: 120, receiveMaximum: 20, userProperties: { agent: '1.2.3' } },
    will: {
      topic: PRESENCE,
      payload: Buffer.from('{"online":false}'),
      qos: 1,
      retain: true,
      properties: { willDelayInterval: 5, contentType: 'application/json' },
    },
  },
  {
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: [{ topic: DESIRED, qos: 1, nl: true, rap: true, rh: 1 }],
    properties: { subscriptionIdentifier: 7 },
  },
  {
    cmd: 'publish',
    topic: STATE,
    payload: bytes(500, 2),
    qos: 1,
    retain: true,
    dup: false,
    messageId: 2,
    properties: { contentType: 'application/json', messageExpiryInterval: 60, userProperties: { seq: ['1', '2'] } },
  },
  { cmd: 'puback', messageId: 3, reasonCode: 16, properties: { reasonString: 'no matching subscribers' } },
  { cmd: 'pingreq' },
  { cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } },
]

type Parsed = Packet | { error: string }

/** Parses `chunks` with a fresh mqtt-packet parser, lightened or as it comes: every packet and error, in order. */
function parseAll(chunks: readonly Buffer[], lighten: boolean): Parsed[] {
  const subject = parser()
  if (lighten) lightenByteList(subject as unknown as ByteListHolder)
  const parsed: Parsed[] = []
  subject.on('packet', (packet) => parsed.push(packet))
  subject.on('error', (err: Error) => parsed.push({ error: err.message }))
  for (const chunk of chunks) subject.parse(chunk)
  return parsed
}

/** The parsed packets with each payload as its length and SHA-256 (large payloads compare quickly). */
const digested = (parsed: readonly Parsed[]): unknown[] =>
  parsed.map((packet) =>
    'payload' in packet && Buffer.isBuffer(packet.payload)
      ? { ...packet, payload: `${packet.payload.length}:${createHash('sha256').update(packet.payload).digest('hex')}` }
      : packet,
  )

/** What a parse gave, as one comparable text (the payloads digested). */
const fingerprint = (parsed: readonly Parsed[]): string => JSON.stringify(digested(parsed))

const streamOf = (packets: readonly Packet[], protocolVersion: number): Buffer =>
  Buffer.concat(packets.map((packet) => generate(packet, { protocolVersion })))

/** The stream in two chunks split at `at`, each a copy (as two socket reads are). */
const splitAt = (stream: Buffer, at: number): Buffer[] => [
  Buffer.from(stream.subarray(0, at)),
  Buffer.from(stream.subarray(at)),
]
const chunksOf = (stream: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(stream.length / size) }, (_, i) =>
    Buffer.from(stream.subarray(i * size, (i + 1) * size)),
  )

for (const [version, session] of [
  ['MQTT 3.1.1', SESSION_311],
  ['MQTT 5', SESSION_5],
] as const) {
  test(`${version}: a parser with the plain byte list parses a session split at every byte boundary as mqtt-packet's own`, (t) => {
    const stream = streamOf(session, version === 'MQTT 5' ? 5 : 4)
    const whole = parseAll([stream], false)
    t.is(whole.length, session.length, 'the stock parser reads every packet')
    t.deepEqual(parseAll([stream], true), whole)
    const differing: number[] = []
    for (let at = 1; at < stream.length; at++) {
      const chunks = splitAt(stream, at)
      if (fingerprint(parseAll(chunks, true)) !== fingerprint(parseAll(chunks, false))) differing.push(at)
    }
    t.deepEqual(differing, [], `the splits (of ${stream.length - 1}) where the two parsers differ`)
    t.deepEqual(parseAll(chunksOf(stream, 1), true), whole, 'one byte per read')
  })
}

test('large packets (3- and 4-byte remaining lengths) parse the same, whatever the reads they arrive in', (t) => {
  const large = (size: number, messageId: number): Packet => ({
    cmd: 'publish',
    topic: DESIRED,
    payload: bytes(size, messageId),
    qos: 1,
    retain: true,
    dup: false,
    messageId,
  })
  const packets = [SESSION_311[0] as Packet, large(200_000, 5), large(2_200_000, 6), large(10, 7)]
  const generated = packets.map((packet) => generate(packet))
  const stream = Buffer.concat(generated)
  const stock = parseAll([stream], false)
  t.is(stock.length, 4)
  const whole = fingerprint(stock)
  const readings: Array<[string, Buffer[]]> = [
    ['one read', [stream]],
    ['1 KiB reads', chunksOf(stream, 1024)],
    ['64 KiB reads', chunksOf(stream, 65_536)],
    ['reads of 1 000 003 bytes', chunksOf(stream, 1_000_003)],
  ]
  // Every boundary in and around the headers of the two large packets: the remaining length split across reads.
  let start = 0
  for (const [index, packet] of generated.entries()) {
    if (index === 1 || index === 2)
      for (let at = start - 2; at < start + 40; at++) readings.push([`split at ${at}`, splitAt(stream, at)])
    start += packet.length
  }
  const differing = readings.filter(([, chunks]) => fingerprint(parseAll(chunks, true)) !== whole).map(([what]) => what)
  t.deepEqual(differing, [], 'the readings where the plain byte list parses differently')
})

test('a malformed packet is reported as by the stock parser, and the next read starts afresh', (t) => {
  const pubrelWithoutFlags = Buffer.from([0x60, 0x02, 0x00, 0x01]) // [MQTT-3.6.1-1]: flags must be 0010
  const good = streamOf(SESSION_311.slice(0, 3), 4)
  for (const chunks of [
    [good, pubrelWithoutFlags, good],
    [Buffer.concat([good, pubrelWithoutFlags]), good],
    chunksOf(Buffer.concat([good, pubrelWithoutFlags, good]), 7),
  ]) {
    const stock = parseAll(chunks, false)
    t.true(
      stock.some((parsed) => 'error' in parsed),
      'the stock parser reports the malformed packet',
    )
    t.deepEqual(parseAll(chunks, true), stock)
  }
})

test('lightening moves the bytes already held, in order, and a lightened list is left as it is', (t) => {
  const stream = streamOf(SESSION_311, 4)
  const subject = parser()
  const holder = subject as unknown as ByteListHolder
  const parsed: Packet[] = []
  subject.on('packet', (packet) => parsed.push(packet))
  subject.parse(Buffer.from(stream.subarray(0, 10))) // a part of the CONNECT: its header parsed, the rest held
  t.not(holder._list.constructor, BufferList, 'mqtt-packet starts with a BufferListStream')
  const held = holder._list.slice()
  t.true(held.length > 0)
  lightenByteList(holder)
  const list = holder._list
  t.is(list.constructor, BufferList)
  t.deepEqual(list.slice(), held, 'the same bytes held')
  lightenByteList(holder)
  t.is(holder._list, list)
  subject.parse(Buffer.from(stream.subarray(10)))
  t.deepEqual(parsed, parseAll([stream], false))
})

test("every broker connection's parser holds a plain byte list; packets of every size pass through it", async (t) => {
  const broker = await startTestBroker(t, { limits: { maxPacketBytes: 1024 * 1024 } })
  const lists: unknown[] = []
  broker.broker.aedes.on('clientReady', (client: Client) => {
    lists.push((client as unknown as { _parser: ByteListHolder })._parser._list)
  })
  const manager = await connectClient(t, broker.url, await broker.addManager())
  const managerInbox = new Inbox(manager)
  t.deepEqual(await subscribeCodes(manager, [STATE]), [1])
  const device = await broker.addDevice(H1.tenantId, H1.hostId)
  const agent = await connectClient(t, broker.url, device, { clientId: agentClientId(H1, 'sizes') })
  const payloads = [bytes(10, 1), bytes(5_000, 2), bytes(300_000, 3), bytes(1, 4)]
  const received: Buffer[] = []
  const all = new Promise<void>((resolve) =>
    agent.on('message', (_topic, payload) => {
      received.push(Buffer.from(payload))
      if (received.length === payloads.length) resolve()
    }),
  )
  t.deepEqual(await subscribeCodes(agent, [DESIRED]), [1])
  for (const payload of payloads) await manager.publishAsync(DESIRED, payload, { qos: 1 })
  await within(all, 'the desired payloads at the device')
  t.deepEqual(received, payloads, 'the device received every payload, byte for byte')
  const state = contractPayload(STATE, 'sizes')
  await agent.publishAsync(STATE, state, { qos: 1, retain: true })
  await managerInbox.until((messages) => messages.some((m) => m.payload === state), 'the state at the manager')
  t.is(lists.length, 2, 'the manager and the device')
  for (const list of lists) t.is((list as { constructor: unknown }).constructor, BufferList)
})

test('a device writing its CONNECT and PUBLISH one byte at a time is served as any other; MQTT 5 is refused as before', async (t) => {
  const broker = await startTestBroker(t)
  const manager = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(manager)
  t.deepEqual(await subscribeCodes(manager, [STATE]), [1])
  const device = await broker.addDevice(H1.tenantId, H1.hostId)
  const state = contractPayload(STATE, 'one byte at a time')
  const connect = (protocolVersion: 4 | 5): Packet => ({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion,
    clean: true,
    keepalive: 60,
    clientId: agentClientId(H1, `bytes-v${protocolVersion}`),
    username: device.username,
    password: Buffer.from(device.password),
  })
  const stream = streamOf(
    [connect(4), { cmd: 'publish', topic: STATE, payload: Buffer.from(state), qos: 0, retain: true, dup: false }],
    4,
  )
  const socket = createConnection(broker.port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.setNoDelay(true)
  const connack = new Promise<Buffer>((resolve) => socket.once('data', resolve))
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  for (const byte of stream) await new Promise<void>((resolve) => socket.write(Buffer.from([byte]), () => resolve()))
  t.deepEqual([...(await within(connack, 'the CONNACK')).subarray(0, 4)], [0x20, 2, 0, 0], 'CONNACK: accepted')
  await inbox.until((messages) => messages.some((m) => m.payload === state), 'the state sent one byte at a time')

  t.is(await rawConnect(broker.port, generate(connect(5), { protocolVersion: 5 })), 1, 'MQTT 5: return code 1')
})
