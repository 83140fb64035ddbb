import test from 'ava'
import { resolveBackends } from '../../broker/backends.ts'
import { IndexedMemoryPersistence } from '../../broker/persistence/indexed-memory-persistence.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { Inbox, connectClient, subscribeCodes } from './support/mqtt-clients.ts'

const desired = (hostId: string): string => buildTopic({ tenantId: 't1', hostId, leaf: 'desired' })

test('backends: the indexed memory persistence unless the factory gives one, which is kept', async (t) => {
  t.true((await resolveBackends()).persistence instanceof IndexedMemoryPersistence)
  const mq = { name: 'an emitter' }
  const withMqOnly = await resolveBackends(() => Promise.resolve({ mq }))
  t.true(withMqOnly.persistence instanceof IndexedMemoryPersistence)
  t.is(withMqOnly.mq, mq)
  const given = { persistence: { name: 'a shared store' }, mq, close: () => Promise.resolve() }
  t.is(await resolveBackends(() => Promise.resolve(given)), given)
})

test('the broker keeps retained messages in the persistence its backends give, and closes them last', async (t) => {
  const persistence = new IndexedMemoryPersistence()
  let closedAfterBroker: boolean | undefined
  const testBroker = await startTestBroker(t, {
    backends: () =>
      Promise.resolve({
        persistence,
        close: () => {
          closedAfterBroker = testBroker.broker.aedes.closed
          return Promise.resolve()
        },
      }),
  })
  const { broker, url } = testBroker
  const manager = await connectClient(t, url, await testBroker.addManager())
  await manager.publishAsync(desired('h1'), 'published over MQTT', { qos: 1, retain: true })
  const stored = (await persistence.createRetainedStream(desired('h1')).toArray()) as { payload: Buffer }[]
  t.deepEqual(
    stored.map((packet) => packet.payload.toString()),
    ['published over MQTT'],
  )

  await persistence.storeRetained({
    cmd: 'publish',
    topic: desired('h2'),
    payload: Buffer.from('stored in the persistence'),
    qos: 1,
    dup: false,
    retain: true,
    brokerId: broker.aedes.id,
    brokerCounter: 1,
  })
  const device = await connectClient(t, url, await testBroker.addDevice('t1', 'h2'))
  const inbox = new Inbox(device)
  t.deepEqual(await subscribeCodes(device, [desired('h2')]), [1])
  await inbox.until((messages) => messages.length >= 1, 'the retained desired stored in the persistence')
  t.deepEqual(inbox.messages, [{ topic: desired('h2'), payload: 'stored in the persistence', retain: true }])

  await broker.close()
  t.true(closedAfterBroker, 'the backends are closed after aedes')
})
