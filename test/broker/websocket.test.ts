import test from 'ava'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { connectClient, publishOutcome, refusedConnect, subscribeCodes } from './support/mqtt-clients.ts'

test('MQTT over WebSocket: same authentication, ACL and packet-size limit as TCP', async (t) => {
  const broker = await startTestBroker(t, {
    listeners: { tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0, path: '/mqtt' } },
    limits: { maxPacketBytes: 1024 },
  })
  const wsUrl = `ws://127.0.0.1:${broker.broker.wsPort ?? 0}/mqtt`
  const device = await broker.addDevice('t1', 'h1')
  const observer = await connectClient(t, broker.url, await broker.addManager())
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])

  const client = await connectClient(t, wsUrl, device)
  const state = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'state' })
  t.is(await publishOutcome(client, observer, state, contractPayload(state, 'over websocket')), 'delivered')
  t.deepEqual(await subscribeCodes(client, ['amt/v1/#']), [128])
  t.is(await publishOutcome(client, observer, state, 'x'.repeat(2000)), 'connection closed')
  t.is(await refusedConnect(wsUrl, { ...device, password: 'wrong' }), 4)
  t.like(broker.broker.stats(), {
    connectionsClosed: { 'packet-too-large': 1 },
    connectionsRefused: { 'bad-credentials': 1 },
  })
})
