import test from 'ava'
import type { AedesPublishPacket } from 'aedes'
import { silentLogger } from '../../../lib/log.ts'
import { createEmbeddedBus } from '../../../manager/bus/embedded-bus.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { startTestBroker } from '../../helpers/broker.ts'

// aedes routes through an emitter that delivers at most `concurrency` (100) messages at once and queues the rest;
// when one is done it starts the next queued one inside the callback. The embedded bus once called back
// synchronously, so a backlog of thousands drained as one recursion: at 10 000 devices on a busy machine the
// manager died in the activation wave with "Maximum call stack size exceeded" (test/bench/cluster.ts found it).

const BACKLOG = 20_000
const WAIT_MS = 30_000

test('embedded bus: a backlog of 20 000 queued messages in aedes drains to the manager without overflowing the stack', async (t) => {
  t.timeout(4 * WAIT_MS)
  const broker = await startTestBroker(t)
  const aedes = broker.broker.aedes
  const bus = createEmbeddedBus(aedes, { log: silentLogger() })
  t.teardown(() => bus.close(true))
  const topic = buildTopic({ tenantId: 'acme', hostId: 'node-1', leaf: 'events' })
  let received = 0
  let allReceived: () => void = () => undefined
  const done = new Promise<void>((resolve) => (allReceived = resolve))
  await new Promise<void>((resolve) =>
    bus.start({
      onMessage: (messageTopic) => {
        if (messageTopic === topic && ++received === BACKLOG + 100) allReceived()
      },
      onReady: resolve,
    }),
  )

  // A slow subscriber holds the first 100 deliveries: aedes' emitter is then full and queues what follows.
  const held: Array<() => void> = []
  let seen = 0
  await new Promise<void>((resolve) =>
    aedes.subscribe(
      topic,
      (_packet: AedesPublishPacket, callback: () => void) => (++seen <= 100 ? held.push(callback) : callback()),
      resolve,
    ),
  )
  const publish = () =>
    aedes.publish({ cmd: 'publish', topic, payload: Buffer.from('{}'), qos: 0, retain: false, dup: false }, () => {})
  for (let i = 0; i < 100; i++) publish()
  t.is(held.length, 100, 'the emitter is full')
  for (let i = 0; i < BACKLOG; i++) publish()
  t.is(received, 100, 'the backlog waits in the emitter')

  t.notThrows(() => held.splice(0).forEach((release) => release()), 'releasing the slow subscriber drains the queue')
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timed out'), WAIT_MS)))
  t.is(await Promise.race([done.then(() => 'all'), timeout]), 'all', `received ${received} of ${BACKLOG + 100}`)
  clearTimeout(timer)
})
