import test, { type ExecutionContext } from 'ava'
import { Redis } from 'ioredis'
import { redisBackends } from '../../../broker/cluster/redis-backends.ts'
import { silentLogger } from '../../../lib/log.ts'
import { startTestBroker, type TestBroker } from '../../helpers/broker.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import {
  CLOSE_BOUND_MS,
  ONE_SECOND_TIMER_MS,
  pingingBehindBacklog,
  rawManager,
  retainedStatuses,
} from '../support/keepalive-scenario.ts'
import { Inbox, connectClient, subscribeCodes } from '../support/mqtt-clients.ts'
import { PacketType } from '../support/raw-mqtt-client.ts'
import { socketSettings } from './cluster-pair.ts'

/**
 * The keepalive of a broker in a cluster counts what it received and has not handled yet
 * (broker/keepalive-deferral.ts): a retained PUBLISH waits for its Redis write before its handling ends, and aedes
 * reads nothing more of that client meanwhile. Redis is held with `CLIENT PAUSE <ms> WRITE` (writes and PUBLISH
 * wait, reads go on) until the test has seen what it waits for, then `CLIENT UNPAUSE`.
 */
const PAUSE_BOUND_MS = 4 * CLOSE_BOUND_MS

interface PausableCluster {
  broker: TestBroker
  /** Holds every write to the broker's Redis (at most PAUSE_BOUND_MS). */
  pause: () => Promise<void>
  resume: () => Promise<void>
}

async function pausableCluster(t: ExecutionContext): Promise<PausableCluster> {
  const redis = await startRedis(t)
  const log = silentLogger()
  const broker = await startTestBroker(t, {
    log,
    backends: redisBackends(socketSettings(redis), { log, startupTimeoutMs: CLOSE_BOUND_MS }),
  })
  const control = new Redis({ path: redis.socketPath, lazyConnect: true, retryStrategy: () => null })
  control.on('error', () => undefined)
  await control.connect()
  const resume = async (): Promise<void> => void (await control.call('CLIENT', 'UNPAUSE'))
  // Teardowns run last first: Redis resumes before the broker closes (its QUIT would wait behind the writes).
  t.teardown(async () => {
    await resume().catch(() => undefined)
    control.disconnect()
  })
  return {
    broker,
    pause: async () => void (await control.call('CLIENT', 'PAUSE', String(PAUSE_BOUND_MS), 'WRITE')),
    resume,
  }
}

test('a client whose retained PUBLISHes wait on a paused Redis, pinging, is kept; they go through on resume', async (t) => {
  t.timeout(2 * PAUSE_BOUND_MS)
  const { broker, pause, resume } = await pausableCluster(t)
  const subscriber = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(subscriber)
  t.deepEqual(await subscribeCodes(subscriber, ['amt/v1/t1/+/status']), [1])
  const client = await rawManager(t, broker, 1)

  await pause()
  const window = 200 // read at once: aedes reads this client again only once all 200 are handled
  await pingingBehindBacklog(t, broker, client, window)
  t.is(inbox.messages.length, 0, 'nothing routed while Redis is paused')
  t.is(client.count(PacketType.pingresp), 0, 'no PINGREQ handled yet: aedes had not read them')

  await resume()
  await inbox.until((messages) => messages.length === window, 'the statuses routed once Redis resumed')
  await client.until(() => client.count(PacketType.pingresp) > 0, 'a PINGRESP once the backlog is handled')
  t.false(client.closed)
  t.is(client.count(PacketType.puback), window, 'aedes acknowledges a QoS 1 PUBLISH before its Redis write')
  t.is(broker.broker.stats().connectionsClosed['keepalive-timeout'], undefined)
})

test('a client that goes silent while its retained PUBLISHes wait on a paused Redis is still closed', async (t) => {
  t.timeout(2 * PAUSE_BOUND_MS)
  const { broker, pause } = await pausableCluster(t)
  const subscriber = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(subscriber)
  t.deepEqual(await subscribeCodes(subscriber, ['amt/v1/t1/+/status']), [1])
  const client = await rawManager(t, broker, 1)

  await pause()
  const sent = Date.now()
  client.send(...retainedStatuses(5))
  await client.until(() => false, 'the broker to close the silent client', CLOSE_BOUND_MS)
  const elapsed = (client.closedAt ?? Infinity) - sent
  t.true(elapsed >= ONE_SECOND_TIMER_MS - 50, `closed after ${elapsed} ms, not before 1.5 s`)
  t.is(inbox.messages.length, 0, 'closed while its PUBLISHes still waited on Redis')
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'keepalive-timeout': 1 })
  t.deepEqual(broker.broker.stats().keepaliveDeferred, {})
})
