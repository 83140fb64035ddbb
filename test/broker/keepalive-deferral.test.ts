import test, { type ExecutionContext } from 'ava'
import type { Client } from 'aedes'
import { IndexedMemoryPersistence } from '../../broker/persistence/indexed-memory-persistence.ts'
import { startTestBroker, type TestBroker } from '../helpers/broker.ts'
import { pollUntil } from '../helpers/poll-until.ts'
import { Inbox, connectClient, subscribeCodes, within } from './support/mqtt-clients.ts'
import {
  CLOSE_BOUND_MS,
  ONE_SECOND_TIMER_MS,
  deferred,
  keepPinging,
  pingingBehindBacklog,
  rawManager,
  retainedStatuses,
} from './support/keepalive-scenario.ts'
import { PINGREQ, PacketType } from './support/raw-mqtt-client.ts'

/**
 * The keepalive counts what the broker received and has not handled yet (broker/keepalive-deferral.ts), on the
 * in-memory broker: its retained writes are held here, as a cluster's slow Redis holds them
 * (test/broker/cluster/keepalive-deferral.test.ts does it with a paused Redis).
 */

/** The in-memory persistence with every retained write held until the test lets it go (one, or all). */
class HeldRetainedWrites {
  readonly persistence = new IndexedMemoryPersistence()
  readonly #waiting: Array<() => void> = []
  #open = false

  constructor() {
    const store = this.persistence.storeRetained.bind(this.persistence)
    this.persistence.storeRetained = async (packet) => {
      if (!this.#open) await new Promise<void>((resolve) => this.#waiting.push(resolve))
      return store(packet)
    }
  }

  get held(): number {
    return this.#waiting.length
  }

  releaseOne(): void {
    this.#waiting.shift()?.()
  }

  releaseAll(): void {
    this.#open = true
    for (const release of this.#waiting.splice(0)) release()
  }
}

interface HeldBroker {
  broker: TestBroker
  writes: HeldRetainedWrites
}

async function heldBroker(t: ExecutionContext): Promise<HeldBroker> {
  const writes = new HeldRetainedWrites()
  const broker = await startTestBroker(t, { backends: () => Promise.resolve({ persistence: writes.persistence }) })
  t.teardown(() => writes.releaseAll()) // before the broker closes (teardowns run last first)
  return { broker, writes }
}

test('a client whose packets wait behind held retained writes, pinging, is kept; its backlog then goes through', async (t) => {
  t.timeout(4 * CLOSE_BOUND_MS)
  const { broker, writes } = await heldBroker(t)
  const subscriber = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(subscriber)
  t.deepEqual(await subscribeCodes(subscriber, ['amt/v1/t1/+/status']), [1])
  const client = await rawManager(t, broker, 1)

  const window = 200 // read at once: aedes reads this client again only once all 200 are handled
  await pingingBehindBacklog(t, broker, client, window)
  t.is(writes.held, window, 'every retained write still held')
  t.is(client.count(PacketType.pingresp), 0, 'no PINGREQ handled yet: aedes had not read them')

  writes.releaseAll()
  await inbox.until((messages) => messages.length === window, 'the held statuses delivered')
  await client.until(() => client.count(PacketType.pingresp) > 0, 'a PINGRESP once the backlog is handled')
  t.false(client.closed)
  t.is(client.count(PacketType.puback), window, 'aedes acknowledges a QoS 1 PUBLISH before its write')
  t.is(broker.broker.stats().connectionsClosed['keepalive-timeout'], undefined)
})

test('a client that sends nothing after CONNECT is closed at 1.5 × its keep alive', async (t) => {
  t.timeout(2 * CLOSE_BOUND_MS)
  const broker = await startTestBroker(t)
  const started = Date.now() // before the CONNECT: the broker's timer starts later
  const client = await rawManager(t, broker, 1)
  await client.until(() => false, 'the broker to close the silent client', CLOSE_BOUND_MS)
  const elapsed = (client.closedAt ?? Infinity) - started
  t.true(elapsed >= ONE_SECOND_TIMER_MS - 50, `closed after ${elapsed} ms, not before 1.5 s`)
  t.true(elapsed < CLOSE_BOUND_MS)
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'keepalive-timeout': 1 })
  t.deepEqual(broker.broker.stats().keepaliveDeferred, {})
})

test('a client that goes silent behind a handling that never ends is still closed', async (t) => {
  t.timeout(2 * CLOSE_BOUND_MS)
  const { broker, writes } = await heldBroker(t)
  const client = await rawManager(t, broker, 1)
  const sent = Date.now()
  client.send(...retainedStatuses(5))
  await client.until(() => false, 'the broker to close the silent client', CLOSE_BOUND_MS)
  const elapsed = (client.closedAt ?? Infinity) - sent
  t.true(elapsed >= ONE_SECOND_TIMER_MS - 50, `closed after ${elapsed} ms`)
  t.is(writes.held, 5, 'closed while its packets were still in handling')
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'keepalive-timeout': 1 })
  t.deepEqual(broker.broker.stats().keepaliveDeferred, {})
})

test('a silent client is kept while the broker finishes some of its packets each period, closed once it stops', async (t) => {
  t.timeout(4 * CLOSE_BOUND_MS)
  const { broker, writes } = await heldBroker(t)
  // Keep alive 2 s (a 3 s timer) and one write finished every 200 ms: many finish within each period.
  const client = await rawManager(t, broker, 2)
  client.send(...retainedStatuses(100))
  const slowStore = setInterval(() => writes.releaseOne(), 200)
  t.teardown(() => clearInterval(slowStore))
  await pollUntil(
    () => deferred(broker, 'handling') >= 2 || client.closed || `deferred ${deferred(broker, 'handling')}`,
    'two keepalive periods deferred on handling progress',
    CLOSE_BOUND_MS,
  )
  t.false(client.closed, 'kept while its backlog moved')
  t.true(writes.held > 0, 'the backlog not through yet')

  clearInterval(slowStore) // the store stops: nothing moves, nothing is sent
  await client.until(() => false, 'the broker to close the client once nothing moves', CLOSE_BOUND_MS)
  t.true(writes.held > 0)
  t.deepEqual(broker.broker.stats().connectionsClosed, { 'keepalive-timeout': 1 })
})

test('what the deferral relies on in aedes 1.2: the timer, its refreshes, the batch count and the unread bytes', async (t) => {
  t.timeout(4 * CLOSE_BOUND_MS)
  const { broker, writes } = await heldBroker(t)
  const ready = new Promise<Client>((resolve) => broker.broker.aedes.once('clientReady', resolve))
  const client = await rawManager(t, broker, 1)
  const held = (await within(ready, 'aedes to hold the client')) as unknown as {
    conn: { readableLength: number }
    _keepaliveInterval: unknown
    _keepaliveTimer: unknown
    _parsingBatch: unknown
  }
  // connect.js setKeepAlive: the period first, then the timer, assigned through the accessor the deferral owns.
  t.is(held._keepaliveInterval, ONE_SECOND_TIMER_MS)
  t.is(typeof Object.getOwnPropertyDescriptor(held, '_keepaliveTimer')?.set, 'function')
  t.is(typeof (held._keepaliveTimer as { refresh?: unknown } | null)?.refresh, 'function', 'a timer was assigned')

  // client.js nextBatch: packets read at once are counted until handled; later bytes stay unread in `conn`.
  client.send(...retainedStatuses(3))
  await pollUntil(() => writes.held === 3 || `held ${writes.held}`, 'three writes held', CLOSE_BOUND_MS)
  t.is(held._parsingBatch, 3)
  client.send(PINGREQ)
  await pollUntil(() => held.conn.readableLength === 2 || 'not yet', 'the PINGREQ unread', CLOSE_BOUND_MS)
  t.true(typeof held._parsingBatch === 'number' && held._parsingBatch > 0, 'the batch still in handling')
  writes.releaseAll()
  await client.until(() => client.count(PacketType.pingresp) === 1, 'the PINGREQ answered')
  await pollUntil(() => held._parsingBatch === 0 || `${String(held._parsingBatch)}`, 'nothing in handling', 10_000)

  // handlers/index.js: each handled packet refreshes the timer. Pinging every 500 ms for three 1.5 s periods,
  // the client is never judged at all.
  const stop = keepPinging(t, client, 500)
  await client.until(() => client.count(PacketType.pingresp) >= 10, 'nine more PINGRESPs', CLOSE_BOUND_MS)
  stop()
  t.false(client.closed)
  t.deepEqual(broker.broker.stats().keepaliveDeferred, {})
})
