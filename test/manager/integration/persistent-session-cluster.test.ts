import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { socketSettings, startClusterPair } from '../../broker/cluster/cluster-pair.ts'
import { connectClient } from '../../broker/support/mqtt-clients.ts'
import { testClientId } from '../../helpers/client-ids.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import type { TestCredential } from '../../helpers/broker.ts'

// The manager's default persistent session on an amt-broker cluster (aedes-persistence-redis): aedes never answered
// a persistent session's SUBSCRIBE of several filters there (one filter is answered), so the manager, subscribing
// its five agent leaves in one packet, never became ready. It subscribes one filter per SUBSCRIBE.

const KEY = { tenantId: 't1', hostId: 'h1' }
const WAIT_MS = 30_000

async function startBus(t: ExecutionContext, url: string, credential: TestCredential, clientId: string) {
  const bus = createManagerBus({
    url,
    ...credential,
    clientId,
    clean: false,
    reconnectPeriodMs: 200,
    log: silentLogger(),
  })
  t.teardown(() => bus.close(true))
  const received: Array<{ topic: string; payload: string }> = []
  let ready = false
  bus.start({
    onMessage: (topic, payload) => received.push({ topic, payload: payload.toString() }),
    onReady: () => (ready = true),
  })
  // Ready: every filter granted (one SUBACK each), the catch-up done, onReady called.
  await eventually(
    () => Promise.resolve(ready || undefined),
    'the manager with a persistent session to be ready',
    WAIT_MS,
  )
  return { bus, received }
}

test('persistent session on two clustered brokers: ready, and a request sent while away is delivered', async (t) => {
  const redis = await startRedis(t)
  const [one, two] = await startClusterPair(t, socketSettings(redis))
  const credential = await one.addManager()
  const clientId = testClientId(credential.username, 'persistent')

  const first = await startBus(t, one.url, credential, clientId)
  await first.bus.close(true)

  const device = await connectClient(t, two.url, await two.addDevice(KEY.tenantId, KEY.hostId))
  const request = buildTopic({ ...KEY, leaf: 'secret/req' })
  await device.publishAsync(request, '{"id":"while-away"}', { qos: 1 })

  // Back on the other instance with the same client id: the session (and what it queued) lives in Redis.
  const again = await startBus(t, two.url, credential, clientId)
  const delivered = await eventually(
    () => Promise.resolve(again.received.find((message) => message.topic === request)),
    'the queued request',
    WAIT_MS,
  )
  t.is(delivered.payload, '{"id":"while-away"}')
})
