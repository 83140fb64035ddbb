import { Writable } from 'node:stream'
import test from 'ava'
import type { Client } from 'aedes'
import { WriteCoalescer } from '../../broker/write-coalescer.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { testClientId } from '../helpers/client-ids.ts'
import { within } from './support/mqtt-clients.ts'
import {
  PACKET,
  messageIdOf,
  openRawSession,
  payloadOf,
  publishPacket,
  subscribePacket,
  type RawPacket,
} from './support/raw-session.ts'

/** A stream that records each flush: the chunks one `_writev` (or `_write`) call got. */
class RecordingStream extends Writable {
  readonly flushes: string[][] = []

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.flushes.push(chunks.map(({ chunk }) => chunk.toString()))
    callback()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.flushes.push([chunk.toString()])
    callback()
  }
}

/** What mqtt-packet's writeToStream does with each packet: cork, write its pieces, uncork at the next tick. */
function writePacket(stream: Writable, name: string): void {
  stream.cork()
  stream.write(`${name}:header`)
  stream.write(`${name}:body`)
  process.nextTick(() => stream.uncork())
}

const pieces = (...names: string[]): string[] => names.flatMap((name) => [`${name}:header`, `${name}:body`])
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve))

test('packets written in one synchronous run leave together at the next tick: nothing waits for the turn', async (t) => {
  const stream = new RecordingStream()
  t.true(new WriteCoalescer().attach(stream))
  writePacket(stream, 'a')
  writePacket(stream, 'b')
  writePacket(stream, 'c')
  await nextTick() // queued after the packets' own uncorks, before any immediate
  t.deepEqual(stream.flushes, [pieces('a', 'b', 'c')])
})

test('the later packets of a turn share one write, made by the next check phase at the latest', async (t) => {
  const coalesced = new RecordingStream()
  t.true(new WriteCoalescer().attach(coalesced))
  const plain = new RecordingStream()
  const names = ['a', 'b', 'c', 'd']
  // As aedes writes deliveries: each packet from its own immediate, all due in the same check phase.
  for (const name of names)
    setImmediate(() => {
      writePacket(coalesced, name)
      writePacket(plain, name)
    })
  // Queued by the last delivery, so after the coalescer's release (queued by the first): the next check phase.
  await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)))
  t.deepEqual(coalesced.flushes, [pieces('a'), pieces('b', 'c', 'd')], 'the first alone, then the rest at once')
  t.deepEqual(
    plain.flushes,
    names.map((name) => pieces(name)),
    'without the coalescer: one write per packet',
  )
})

test('a stream destroyed without an error first lets out what the coalescer holds', async (t) => {
  const stream = new RecordingStream()
  t.true(new WriteCoalescer().attach(stream))
  const closed = new Promise<void>((resolve) => stream.once('close', resolve))
  setImmediate(() => writePacket(stream, 'a'))
  setImmediate(() => {
    writePacket(stream, 'b') // held until the release...
    process.nextTick(() => stream.destroy()) // ...which comes after this destroy
  })
  await within(closed, 'the stream to close')
  t.deepEqual(stream.flushes, [pieces('a'), pieces('b')])
})

test('a stream that writes one buffer per call (a WebSocket stream) is left alone', (t) => {
  const oneByOne = new Writable({ write: (_chunk, _encoding, callback) => callback() })
  t.false(new WriteCoalescer().attach(oneByOne))
  t.false(Object.hasOwn(oneByOne, 'cork'), 'its own cork is untouched')
})

const TOPIC = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'events' })
const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1)
const ofType = (packets: readonly RawPacket[], type: number): RawPacket[] =>
  packets.filter((packet) => packet.type === type)

test('QoS 1 PUBLISHes sent in one write get every PUBACK, in order [MQTT-4.6.0-2]', async (t) => {
  const broker = await startTestBroker(t)
  const manager = await broker.addManager()
  const session = await openRawSession(t, broker.port, { ...manager, clientId: testClientId(manager.username) })
  const count = 50
  session.send(Buffer.concat(range(count).map((id) => publishPacket(TOPIC, `m${id}`, id))))
  await session.until((packets) => ofType(packets, PACKET.puback).length >= count, `${count} PUBACKs`)
  t.deepEqual(ofType(session.packets, PACKET.puback).map(messageIdOf), range(count))
})

test('a connection subscribed to what it publishes gets PUBACKs and deliveries in order, a turn of deliveries in few writes', async (t) => {
  const broker = await startTestBroker(t)
  const manager = await broker.addManager()
  const clientId = testClientId(manager.username)
  const ready = new Promise<Client>((resolve) =>
    broker.broker.aedes.on('clientReady', (client) => client.id === clientId && resolve(client)),
  )
  const session = await openRawSession(t, broker.port, { ...manager, clientId })
  const client = await within(ready, 'the connection to be ready')
  session.send(subscribePacket(TOPIC, 1))
  await session.until((packets) => ofType(packets, PACKET.suback).length === 1, 'the SUBACK')

  // Count the broker's flushes on this connection from here on (the socket aedes writes to).
  type Flush = (...args: unknown[]) => unknown
  const conn = client.conn as unknown as Record<'_writev' | '_write', Flush>
  let flushes = 0
  for (const method of ['_writev', '_write'] as const) {
    const original = conn[method]
    conn[method] = function (this: unknown, ...args: unknown[]): unknown {
      flushes += 1
      return Reflect.apply(original, this, args)
    }
  }

  const count = 20
  session.send(Buffer.concat(range(count).map((id) => publishPacket(TOPIC, `m${id}`, id))))
  await session.until(
    (packets) => ofType(packets, PACKET.puback).length + ofType(packets, PACKET.publish).length >= 2 * count,
    `${count} PUBACKs and ${count} deliveries`,
  )
  const answers = session.packets.filter((packet) => packet.type === PACKET.puback || packet.type === PACKET.publish)
  t.deepEqual(ofType(answers, PACKET.puback).map(messageIdOf), range(count))
  t.deepEqual(
    ofType(answers, PACKET.publish).map(payloadOf),
    range(count).map((id) => `m${id}`),
    'deliveries in the order published [MQTT-4.6.0-6]',
  )
  for (const id of range(count)) {
    const acked = answers.findIndex((packet) => packet.type === PACKET.puback && messageIdOf(packet) === id)
    const delivered = answers.findIndex((packet) => packet.type === PACKET.publish && payloadOf(packet) === `m${id}`)
    t.true(acked < delivered, `the PUBACK of m${id} precedes its delivery, as aedes wrote them`)
  }
  // One read: the PUBACKs in one write, the deliveries (one immediate each) in two; one write per packet without.
  t.true(flushes <= count / 2, `${2 * count} packets in ${flushes} writes`)
})
