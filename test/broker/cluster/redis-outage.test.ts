import test from 'ava'
import type { Client } from 'aedes'
import mqtt from 'mqtt'
import { Registry } from 'prom-client'
import { redisBackends } from '../../../broker/cluster/redis-backends.ts'
import { registerBrokerMetrics } from '../../../broker/metrics.ts'
import { createLogger } from '../../../lib/log.ts'
import { SecretValue } from '../../../lib/secret-value.ts'
import { StartupError } from '../../../lib/service-exit.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { metricSum, parseMetrics } from '../../helpers/metrics-text.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import { Inbox, connectClient, subscribeCodes, within } from '../support/mqtt-clients.ts'
import { otherClients, socketSettings, startClusterPair } from './cluster-pair.ts'

/**
 * What a broker of a cluster does when its Redis is not there: at start, a StartupError within the start-up
 * timeout; while running, see broker/README.md ("When Redis goes away"), which these tests pin down.
 */
const OUTAGE_MS = 60_000
const requestTopic = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'secret/req' })

/** JSON log lines as they are written, and a wait for a number of lines with a message. */
function capturedLog() {
  const lines: Array<{ msg?: string; [field: string]: unknown }> = []
  const waiters = new Set<() => void>()
  const log = createLogger({
    name: 'cluster-test',
    level: 'info',
    destination: {
      write(line: string) {
        lines.push(JSON.parse(line) as { msg?: string })
        for (const wake of waiters) wake()
      },
    },
  })
  const count = (msg: string): number => lines.filter((line) => line.msg === msg).length
  const until = (msg: string, n: number): Promise<void> => {
    let wake = () => undefined as void
    const reached = new Promise<void>((resolve) => {
      wake = () => void (count(msg) >= n && resolve())
      waiters.add(wake)
      wake()
    })
    return within(reached, `${n} log lines "${msg}"`, OUTAGE_MS).finally(() => waiters.delete(wake))
  }
  return { log, lines, count, until }
}

test('Redis down at start: a StartupError naming Redis within the start-up timeout, and no connection left', async (t) => {
  const redis = await startRedis(t)
  await redis.kill('SIGTERM') // its socket file goes with it
  const started = Date.now()
  const failure = await t.throwsAsync(
    startTestBroker(t, {
      backends: redisBackends(socketSettings(redis), {
        log: createLogger({ name: 'x', level: 'silent' }),
        startupTimeoutMs: 1500,
      }),
    }),
    { instanceOf: StartupError },
  )
  t.regex(
    failure?.message ?? '',
    /^Redis at \/.*redis\.sock did not become ready within 1500 ms \(startup\.timeoutMs\): connect ENOENT/,
  )
  t.true(Date.now() - started < 30_000, 'it gave up on its timeout, not hanging')
  await redis.start()
  t.is(await otherClients(redis), 0, 'the failed start keeps no connection reconnecting')
})

test('a wrong Redis password: a StartupError that says so, never the password', async (t) => {
  const redis = await startRedis(t, { password: 'the-right-one' })
  const settings = socketSettings(redis, { password: new SecretValue('not-the-right-one') })
  const { log, lines } = capturedLog()
  const failure = await t.throwsAsync(
    startTestBroker(t, { log, backends: redisBackends(settings, { log, startupTimeoutMs: 1500 }) }),
    { instanceOf: StartupError },
  )
  t.regex(failure?.message ?? '', /did not become ready within 1500 ms \(startup\.timeoutMs\): WRONGPASS/)
  t.false(failure?.message.includes('not-the-right-one'))
  t.false(JSON.stringify(lines).includes('not-the-right-one'))
})

test('Redis lost while running: logged and counted, idle clients stay, waiting ones are closed, it recovers', async (t) => {
  t.timeout(4 * OUTAGE_MS)
  const redis = await startRedis(t)
  const { log, until, count, lines } = capturedLog()
  const [one, two] = await startClusterPair(t, socketSettings(redis), { log })
  const registry = new Registry()
  registerBrokerMetrics(registry, one.broker)
  const metric = async (name: string) => metricSum(parseMetrics(await registry.metrics()), name)
  t.is(await metric('amt_broker_redis_connected'), 1)

  const manager = await connectClient(t, one.url, await one.addManager())
  let managerClosed = false
  manager.on('close', () => (managerClosed = true))
  const inbox = new Inbox(manager)
  t.deepEqual(await subscribeCodes(manager, ['amt/v1/t1/+/secret/req']), [1])
  const offline = await one.addManager() // a persistent session, away: a QoS 1 publish is queued for it in Redis
  const away = await connectClient(t, one.url, offline, { clientId: `${offline.username}:away`, clean: false })
  t.deepEqual(await subscribeCodes(away, ['amt/v1/t1/+/secret/req']), [1])
  await away.endAsync()
  const device = await connectClient(t, two.url, await two.addDevice('t1', 'h1'))

  await redis.kill('SIGKILL')
  await until('redis connection lost: reconnecting (shared sessions and routing wait for it)', 6)
  t.is(await metric('amt_broker_redis_connected'), 0)
  t.is(await metric('amt_broker_redis_disconnects_total'), 3, 'persistence, publish and subscribe connections')
  const lost = lines.filter((line) => line.msg?.startsWith('redis connection lost') === true)
  const hints = lost.map((line) => [line.role, line.hint])
  t.true(
    hints.every(([role, hint]) =>
      role === 'subscribe' ? String(hint).includes('client-output-buffer-limit pubsub') : hint === undefined,
    ),
    'the subscriber warning says what is lost and the Redis limit that closes a subscriber behind',
  )
  t.true(hints.some(([role]) => role === 'subscribe'))

  // aedes acknowledges a QoS 1 PUBLISH before routing it: the device gets its PUBACK at once. Queueing it for the
  // away session waits for Redis; ioredis gives up after 20 retries (~10 s) and aedes closes the publisher.
  const deviceClosed = new Promise((resolve) => device.once('close', () => resolve(undefined)))
  await device.publishAsync(requestTopic, 'during the outage', { qos: 1 })
  // A CONNECT waits for the session store the same way, and is closed the same way.
  const newcomer = await one.addManager()
  const late = mqtt.connect(one.url, {
    ...newcomer,
    clientId: `${newcomer.username}:late`,
    reconnectPeriod: 0,
    connectTimeout: OUTAGE_MS,
  })
  late.on('error', () => undefined)
  t.teardown(() => late.endAsync(true))
  await within(new Promise((resolve) => late.once('close', () => resolve(undefined))), 'the CONNECT closed', OUTAGE_MS)
  await within(deviceClosed, 'the publishing device to be closed', OUTAGE_MS)
  t.false(late.connected)
  t.is(one.broker.stats().connectionsClosed['shared-state-unavailable'], 1, 'the CONNECT, on broker 1')
  t.is(two.broker.stats().connectionsClosed['shared-state-unavailable'], 1, 'the publisher, on broker 2')

  await redis.start() // empty: this Redis keeps nothing (production runs Redis with persistence)
  await until('redis connection back', 6)
  t.is(await metric('amt_broker_redis_connected'), 1)
  const again = await connectClient(t, two.url, await two.addDevice('t1', 'h1'))
  await again.publishAsync(requestTopic, 'after the outage', { qos: 1 })
  await inbox.until((messages) => messages.some((m) => m.payload === 'after the outage'), 'routing to resume')
  t.deepEqual(
    inbox.messages.map((message) => message.payload),
    ['after the outage'],
  )
  t.false(managerClosed, 'the idle subscriber stayed connected through the outage')
  t.is(count('redis connection lost: reconnecting (shared sessions and routing wait for it)'), 6)
})

test('a failed store operation outside any client (clearing stale wills) is logged, not thrown', async (t) => {
  const { log, until } = capturedLog()
  const { broker } = await startTestBroker(t, { log })
  broker.aedes.emit('error', new Error('Reached the max retries per request limit (which is 20).'))
  await until('broker store operation failed', 1)
  t.pass()
})

test('several failed store operations of one client close and count that connection once', async (t) => {
  const { log, until } = capturedLog()
  const broker = await startTestBroker(t, { log })
  const ready = new Promise<Client>((resolve) => broker.broker.aedes.once('clientReady', resolve))
  const client = await connectClient(t, broker.url, await broker.addDevice('t1', 'h1'))
  const closed = new Promise((resolve) => client.once('close', () => resolve(undefined)))
  const held = await within(ready, 'aedes to hold the client', OUTAGE_MS)
  // What ioredis raises for each command in flight once it gives up (broker/cluster/redis-link.ts).
  const gaveUp = () =>
    Object.assign(new Error('Reached the max retries per request limit (which is 20).'), {
      name: 'MaxRetriesPerRequestError',
    })
  held.emit('error', gaveUp())
  held.emit('error', gaveUp())
  await within(closed, 'the client to be closed', OUTAGE_MS)
  await until('connection closed', 1)
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'shared-state-unavailable': 1 })
})

test('a broker whose Redis is away still closes: it stops reconnecting and waits for nothing', async (t) => {
  const redis = await startRedis(t)
  const { log, until } = capturedLog()
  const [one] = await startClusterPair(t, socketSettings(redis), { log })
  const device = await connectClient(t, one.url, await one.addDevice('t1', 'h1'))
  await redis.kill('SIGKILL')
  await until('redis connection lost: reconnecting (shared sessions and routing wait for it)', 3)
  await device.publishAsync(requestTopic, 'waits in the offline queue', { qos: 1 })
  await within(one.broker.close(), 'the broker to close without its Redis', OUTAGE_MS)
  t.false(one.broker.sharedState()?.connected)
})
