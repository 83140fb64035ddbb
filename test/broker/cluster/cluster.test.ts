import test from 'ava'
import { Redis } from 'ioredis'
import mqtt from 'mqtt'
import { buildTopic, type Leaf } from '../../../schemas/topics.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import { contractPayload } from '../support/contract-payloads.ts'
import { Inbox, connectClient, subscribeCodes } from '../support/mqtt-clients.ts'
import { otherClients, socketSettings, startClusterPair } from './cluster-pair.ts'

/**
 * Two amt-brokers sharing one real redis-server (aedes-persistence-redis + mqemitter-redis): routing, retained
 * messages, persistent sessions and the ACL hold across the instances. Each test has its own redis-server.
 */
const topic = (hostId: string, leaf: Leaf): string => buildTopic({ tenantId: 't1', hostId, leaf })

test('a device publish on broker 2 (QoS 1) reaches a subscriber on broker 1', async (t) => {
  const redis = await startRedis(t)
  const [one, two] = await startClusterPair(t, socketSettings(redis))
  const manager = await connectClient(t, one.url, await one.addManager())
  const inbox = new Inbox(manager)
  t.deepEqual(await subscribeCodes(manager, ['amt/v1/t1/+/secret/req']), [1])

  const device = await connectClient(t, two.url, await two.addDevice('t1', 'h1'))
  await device.publishAsync(topic('h1', 'secret/req'), 'asked on broker 2', { qos: 1 })
  await inbox.until((messages) => messages.length >= 1, 'the request published on the other broker')
  t.deepEqual(inbox.messages, [{ topic: topic('h1', 'secret/req'), payload: 'asked on broker 2', retain: false }])
  t.is(await otherClients(redis), 6, 'three connections per broker')
  await Promise.all([one.broker.close(), two.broker.close()])
  t.is(await otherClients(redis), 0, 'closing the brokers closed every Redis connection')
})

test('retained and plain publishes of many devices at once all reach a live subscriber, whichever broker', async (t) => {
  // aedes drops a delivery whose broker counter is not above the last one the client got from that broker; a retained
  // PUBLISH is emitted only after its store in Redis, so without a counter stamped at emission the plain ones
  // overtake it and most retained ones never reach the subscriber (broker/emission-counter.ts).
  const redis = await startRedis(t)
  const [one, two] = await startClusterPair(t, socketSettings(redis))
  const manager = await connectClient(t, one.url, await one.addManager())
  const inbox = new Inbox(manager)
  t.deepEqual(await subscribeCodes(manager, ['amt/v1/t1/+/state', 'amt/v1/t1/+/events']), [1, 1])
  const hosts = Array.from({ length: 30 }, (_, i) => `h${i + 1}`)
  const devices = await Promise.all(
    hosts.map(async (hostId, i) => {
      const broker = i % 2 === 0 ? one : two
      return { hostId, client: await connectClient(t, broker.url, await broker.addDevice('t1', hostId)) }
    }),
  )
  await Promise.all(
    devices.map(({ hostId, client }) =>
      Promise.all([
        client.publishAsync(topic(hostId, 'state'), contractPayload(topic(hostId, 'state'), hostId), {
          qos: 1,
          retain: true,
        }),
        client.publishAsync(topic(hostId, 'events'), hostId, { qos: 1 }),
      ]),
    ),
  )
  await inbox
    .until((messages) => messages.length >= hosts.length * 2, 'every state and every event')
    .catch(() => undefined)
  const received = (leaf: Leaf): string[] =>
    inbox.messages
      .filter((message) => message.topic.endsWith(`/${leaf}`))
      .map((message) => message.topic.split('/')[3] ?? '')
      .sort()
  t.deepEqual(received('events'), [...hosts].sort())
  t.deepEqual(received('state'), [...hosts].sort())
})

test('a retained message published on broker 1 is delivered to a new subscriber on broker 2', async (t) => {
  const redis = await startRedis(t)
  const [one, two] = await startClusterPair(t, socketSettings(redis))
  const device = await connectClient(t, one.url, await one.addDevice('t1', 'h1'))
  const state = contractPayload(topic('h1', 'state'), 'retained on broker 1')
  await device.publishAsync(topic('h1', 'state'), state, { qos: 1, retain: true })

  const manager = await connectClient(t, two.url, await two.addManager())
  const inbox = new Inbox(manager)
  t.deepEqual(await subscribeCodes(manager, [topic('h1', 'state')]), [1])
  await inbox.until((messages) => messages.length >= 1, 'the retained state')
  t.deepEqual(inbox.messages, [{ topic: topic('h1', 'state'), payload: state, retain: true }])
})

test('a persistent session (clean=false, QoS 1) made on broker 1 gets its queued messages on broker 2', async (t) => {
  const redis = await startRedis(t)
  const [one, two] = await startClusterPair(t, socketSettings(redis))
  const credential = await one.addManager()
  const session = { clientId: `${credential.username}:persistent`, clean: false }
  const first = await connectClient(t, one.url, credential, session)
  t.deepEqual(await subscribeCodes(first, ['amt/v1/t1/+/secret/req']), [1])
  await first.endAsync()

  const device = await connectClient(t, two.url, await two.addDevice('t1', 'h1'))
  for (const n of [1, 2]) await device.publishAsync(topic('h1', 'secret/req'), `queued ${n}`, { qos: 1 })

  const again = mqtt.connect(two.url, { ...credential, ...session, protocolVersion: 4, reconnectPeriod: 0 })
  t.teardown(() => again.endAsync(true))
  const inbox = new Inbox(again) // listening before CONNACK: the queued messages follow it at once
  await inbox.until((messages) => messages.length >= 2, 'the two messages queued while the session was away')
  t.deepEqual(
    inbox.messages.map((message) => message.payload),
    ['queued 1', 'queued 2'],
  )
})

test("the ACL holds across instances: a device on broker 2 never reads another host's desired from broker 1", async (t) => {
  const redis = await startRedis(t)
  const [one, two] = await startClusterPair(t, socketSettings(redis))
  const device = await connectClient(t, two.url, await two.addDevice('t1', 'h1'))
  const inbox = new Inbox(device)
  t.deepEqual(await subscribeCodes(device, [topic('h2', 'desired'), 'amt/v1/t1/+/desired']), [0x80, 0x80])
  t.deepEqual(await subscribeCodes(device, [topic('h1', 'desired')]), [1])

  const manager = await connectClient(t, one.url, await one.addManager())
  await manager.publishAsync(topic('h2', 'desired'), "h2's desired", { qos: 1, retain: true })
  await manager.publishAsync(topic('h1', 'desired'), "h1's desired", { qos: 1, retain: true })
  await inbox.until((messages) => messages.length >= 1, "h1's own desired, published on broker 1")
  // A new subscription on broker 2 gets the retained messages it may read from the shared store, and no others.
  t.deepEqual(await subscribeCodes(device, [topic('h2', 'desired')]), [0x80])
  const late = await connectClient(t, two.url, await two.addDevice('t1', 'h1'))
  const lateInbox = new Inbox(late)
  t.deepEqual(await subscribeCodes(late, [topic('h1', 'desired')]), [1])
  await lateInbox.until((messages) => messages.length >= 1, "h1's retained desired from the shared store")
  t.deepEqual(inbox.messages, [{ topic: topic('h1', 'desired'), payload: "h1's desired", retain: false }])
  t.deepEqual(lateInbox.messages, [{ topic: topic('h1', 'desired'), payload: "h1's desired", retain: true }])
})

test('two clusters on one Redis with their own keyPrefix share nothing, and every key carries the prefix', async (t) => {
  const redis = await startRedis(t)
  const [a1, a2] = await startClusterPair(t, socketSettings(redis, { keyPrefix: 'amt-a:' }))
  const [b1] = await startClusterPair(t, socketSettings(redis, { keyPrefix: 'amt-b:' }))
  const inA = await connectClient(t, a2.url, await a2.addManager())
  const inB = await connectClient(t, b1.url, await b1.addManager())
  const [inboxA, inboxB] = [new Inbox(inA), new Inbox(inB)]
  for (const client of [inA, inB]) t.deepEqual(await subscribeCodes(client, ['amt/v1/t1/+/secret/req']), [1])

  const device = await connectClient(t, a1.url, await a1.addDevice('t1', 'h1'))
  const state = contractPayload(topic('h1', 'state'), 'retained in cluster a')
  await device.publishAsync(topic('h1', 'state'), state, { qos: 1, retain: true })
  await device.publishAsync(topic('h1', 'secret/req'), 'for cluster a', { qos: 1 })
  await inboxA.until((messages) => messages.length >= 1, 'the request within cluster a')
  // Cluster b sees nothing of cluster a: the request was not routed there (below: nor is a's retained state b's).
  const probe = await connectClient(t, b1.url, await b1.addDevice('t1', 'h1'))
  await probe.publishAsync(topic('h1', 'secret/req'), 'for cluster b', { qos: 1 })
  await inboxB.until((messages) => messages.length >= 1, 'the request within cluster b')
  t.deepEqual(
    inboxB.messages.map((message) => message.payload),
    ['for cluster b'],
  )
  t.deepEqual(
    inboxA.messages.map((message) => message.payload),
    ['for cluster a'],
  )

  const keys = new Redis({ path: redis.socketPath })
  t.teardown(() => keys.disconnect())
  const all = await keys.keys('*')
  t.true(all.includes('amt-a:retained'), all.join(' '))
  t.deepEqual(
    all.filter((key) => !key.startsWith('amt-a:') && !key.startsWith('amt-b:')),
    [],
  )
  const stored = await keys.hget('amt-b:retained', topic('h1', 'state'))
  t.is(stored, null, "cluster b's store has no retained state of cluster a")
})
