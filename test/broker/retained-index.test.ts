import test from 'ava'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { Inbox, connectClient, subscribeCodes } from './support/mqtt-clients.ts'

const desired = (hostId: string) => buildTopic({ tenantId: 't1', hostId, leaf: 'desired' })
const status = (hostId: string) => buildTopic({ tenantId: 't1', hostId, leaf: 'status' })

test('retained on subscribe: an exact topic gets its latest message (from the index), a wildcard filter every match, a cleared topic nothing', async (t) => {
  const broker = await startTestBroker(t)
  const manager = await connectClient(t, broker.url, await broker.addManager())
  for (const hostId of ['h1', 'h2', 'h3'])
    await manager.publishAsync(desired(hostId), `first ${hostId}`, { qos: 1, retain: true })
  await manager.publishAsync(desired('h1'), 'second h1', { qos: 1, retain: true })
  await manager.publishAsync(desired('h3'), '', { qos: 1, retain: true }) // clears h3
  await manager.publishAsync(status('h1'), 'status h1', { qos: 1, retain: true })

  const device = await connectClient(t, broker.url, await broker.addDevice('t1', 'h1'))
  const deviceInbox = new Inbox(device)
  t.deepEqual(
    await subscribeCodes(device, [desired('h1'), buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'secret/res' })]),
    [1, 1],
  )
  await deviceInbox.until((messages) => messages.length >= 1, 'the retained desired')
  t.deepEqual(deviceInbox.messages, [{ topic: desired('h1'), payload: 'second h1', retain: true }])

  const cleared = await connectClient(t, broker.url, await broker.addDevice('t1', 'h3'))
  const clearedInbox = new Inbox(cleared)
  t.deepEqual(await subscribeCodes(cleared, [desired('h3')]), [1])
  const probe = await connectClient(t, broker.url, await broker.addManager())
  const probeInbox = new Inbox(probe)
  // The wildcard subscription of another client, made after h3's, proves the broker answered h3's SUBSCRIBE already.
  t.deepEqual(await subscribeCodes(probe, ['amt/v1/t1/+/desired', status('h1')]), [1, 1])
  await probeInbox.until((messages) => messages.length >= 3, 'the retained desired of h1 and h2, and the status of h1')
  t.deepEqual(
    probeInbox.messages.map(({ topic, payload }) => `${topic}=${payload}`).sort(),
    [`${desired('h1')}=second h1`, `${desired('h2')}=first h2`, `${status('h1')}=status h1`].sort(),
  )
  t.deepEqual(clearedInbox.messages, [], 'a cleared retained topic delivers nothing')
})
