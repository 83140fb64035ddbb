import type { Readable } from 'node:stream'
import test from 'ava'
import { IndexedMemoryPersistence } from '../../../broker/persistence/indexed-memory-persistence.ts'
import { buildTopic, type Leaf } from '../../../schemas/topics.ts'

type StoredPacket = Parameters<IndexedMemoryPersistence['storeRetained']>[0]

const topic = (hostId: string, leaf: Leaf, tenantId = 't1'): string => buildTopic({ tenantId, hostId, leaf })

const retained = (topicName: string, payload: string): StoredPacket => ({
  cmd: 'publish',
  topic: topicName,
  payload: Buffer.from(payload),
  qos: 1,
  dup: false,
  retain: true,
  brokerId: 'broker-1',
  brokerCounter: 1,
})

/** What a retained stream delivered, as `topic=payload`, sorted (the order of wildcard matches is the store's). */
async function read(stream: Readable): Promise<string[]> {
  const packets = (await stream.toArray()) as StoredPacket[]
  return packets
    .map((packet) => (packet.cmd === 'publish' ? `${packet.topic}=${packet.payload.toString()}` : packet.cmd))
    .sort()
}

test('an exact topic answers its latest retained message, an unknown topic nothing', async (t) => {
  const persistence = new IndexedMemoryPersistence()
  await persistence.storeRetained(retained(topic('h1', 'desired'), 'first'))
  await persistence.storeRetained(retained(topic('h1', 'desired'), 'second'))
  await persistence.storeRetained(retained(topic('h2', 'desired'), 'h2'))

  const latest = await read(persistence.createRetainedStream(topic('h1', 'desired')))
  t.deepEqual(latest, [`${topic('h1', 'desired')}=second`])
  t.deepEqual(await read(persistence.createRetainedStreamCombi([topic('h3', 'desired'), topic('h1', 'status')])), [])
})

test('an empty payload clears the topic for exact and wildcard filters (MQTT-3.3.1-10)', async (t) => {
  const persistence = new IndexedMemoryPersistence()
  await persistence.storeRetained(retained(topic('h1', 'desired'), 'kept'))
  await persistence.storeRetained(retained(topic('h2', 'desired'), 'cleared'))
  await persistence.storeRetained(retained(topic('h2', 'desired'), ''))

  t.deepEqual(await read(persistence.createRetainedStream(topic('h2', 'desired'))), [])
  t.deepEqual(await read(persistence.createRetainedStream('amt/v1/t1/+/desired')), [`${topic('h1', 'desired')}=kept`])
  await persistence.storeRetained(retained(topic('h2', 'desired'), 'again'))
  t.deepEqual(await read(persistence.createRetainedStream(topic('h2', 'desired'))), [`${topic('h2', 'desired')}=again`])
})

test('wildcard filters match as MQTT says, next to exact topics in one SUBSCRIBE', async (t) => {
  const persistence = new IndexedMemoryPersistence()
  for (const [tenantId, hostId] of [
    ['t1', 'h1'],
    ['t1', 'h2'],
    ['t2', 'h1'],
  ] as const) {
    for (const leaf of ['desired', 'status'] as const) {
      await persistence.storeRetained(retained(topic(hostId, leaf, tenantId), `${tenantId}/${hostId}/${leaf}`))
    }
  }
  const filters = ['amt/v1/t1/+/desired', topic('h1', 'status'), 'amt/v1/t2/#', topic('h9', 'status')]
  t.deepEqual(
    await read(persistence.createRetainedStreamCombi(filters)),
    [
      `${topic('h1', 'desired')}=t1/h1/desired`,
      `${topic('h2', 'desired')}=t1/h2/desired`,
      `${topic('h1', 'status')}=t1/h1/status`,
      `${topic('h1', 'desired', 't2')}=t2/h1/desired`,
      `${topic('h1', 'status', 't2')}=t2/h1/status`,
    ].sort(),
  )
  t.deepEqual(
    await read(persistence.createRetainedStream('amt/v1/+/+/status')),
    [
      `${topic('h1', 'status')}=t1/h1/status`,
      `${topic('h2', 'status')}=t1/h2/status`,
      `${topic('h1', 'status', 't2')}=t2/h1/status`,
    ].sort(),
  )
})

test('a fleet: 10 000 hosts × 5 retained topics, each exact lookup answers its own host, half cleared', async (t) => {
  const hosts = 10_000
  const leaves: readonly Leaf[] = ['desired', 'status', 'presence', 'capability', 'state']
  const persistence = new IndexedMemoryPersistence()
  for (let index = 0; index < hosts; index++) {
    for (const leaf of leaves) {
      await persistence.storeRetained(retained(topic(`h${index}`, leaf), `${leaf} of h${index}`))
    }
  }
  for (let index = 0; index < hosts; index += 2) {
    await persistence.storeRetained(retained(topic(`h${index}`, 'desired'), ''))
  }

  let answered = 0
  for (let index = 0; index < hosts; index++) {
    const filters = [topic(`h${index}`, 'desired'), topic(`h${index}`, 'secret/res')]
    const expected = index % 2 === 0 ? [] : [`${topic(`h${index}`, 'desired')}=desired of h${index}`]
    const got = await read(persistence.createRetainedStreamCombi(filters))
    if (JSON.stringify(got) === JSON.stringify(expected)) answered++
    else t.deepEqual(got, expected, `h${index}`)
  }
  t.is(answered, hosts, 'every host got its own desired, or none once cleared')
  t.is((await read(persistence.createRetainedStream('amt/v1/t1/+/desired'))).length, hosts / 2)
  t.is((await read(persistence.createRetainedStream('amt/v1/t1/+/status'))).length, hosts)
  t.is((await read(persistence.createRetainedStream('#'))).length, hosts * leaves.length - hosts / 2)
})

test('a payload that is a small view of a large allocation is stored in memory of its own, others as they are', async (t) => {
  const persistence = new IndexedMemoryPersistence()
  const stored = async (hostId: string, payload: Buffer): Promise<Buffer> => {
    const topicName = topic(hostId, 'status')
    const packet: StoredPacket = {
      cmd: 'publish',
      topic: topicName,
      payload,
      qos: 1,
      dup: false,
      retain: true,
      brokerId: 'broker-1',
      brokerCounter: 1,
    }
    await persistence.storeRetained(packet)
    const [read] = (await persistence.createRetainedStream(topicName).toArray()) as StoredPacket[]
    if (read?.cmd !== 'publish' || !Buffer.isBuffer(read.payload)) throw new Error('no payload stored')
    return read.payload
  }
  // A status payload as Buffer.from makes it: 200 bytes of an 8 KiB pool slab that other buffers share.
  const slab = Buffer.alloc(8192, 'a')
  const view = slab.subarray(1000, 1200)
  const copied = await stored('h1', view)
  t.is(copied.buffer.byteLength, 200, 'it pins 200 bytes, not the slab')
  slab.fill('b')
  t.is(copied.toString(), 'a'.repeat(200), 'a copy: writes to the slab do not reach it')

  const own = Buffer.allocUnsafeSlow(300).fill('c')
  t.is(await stored('h2', own), own, 'a payload with memory of its own is kept as it is')
  const read = Buffer.alloc(4096, 'd')
  const most = read.subarray(0, 3000)
  t.is(await stored('h3', most), most, 'so is a view of most of its allocation')
  const small = Buffer.alloc(1000, 'e').subarray(0, 10)
  t.is(await stored('h4', small), small, 'and one of a small allocation')
})
