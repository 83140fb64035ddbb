import test from 'ava'
import mqtt from 'mqtt'
import { silentLogger } from '../../../lib/log.ts'
import { attachCore } from '../../../manager/bus/attach.ts'
import { BrokerRoster } from '../../../manager/bus/broker-roster.ts'
import { createEmbeddedBus } from '../../../manager/bus/embedded-bus.ts'
import { isProbeSubtree } from '../../../schemas/probe.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { testClientId } from '../../helpers/client-ids.ts'
import { AgentMessages, metricValue, seedHost, TENANT } from '../../helpers/manager-core.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { sharedDataDir, startReplica, type Replica } from './replica-pair.ts'

// Embedded brokers in a cluster: a message published on one instance reaches the manager's in-process
// subscription on every instance. Each replica dispatches only what came in through its own broker instance
// (aedes' packet.brokerId), so one device connection's messages reach one replica, in order (docs/replicas.md).

const BEAT = 1000

test('the roster: own instance dispatched here; a live or unknown other instance left to its replica', (t) => {
  const roster = new BrokerRoster('b-own', { heartbeatMs: BEAT })
  t.true(roster.dispatchesHere('b-own', 0))
  t.false(roster.dispatchesHere('b-new', 0), 'not heard from yet: its own replica dispatches it')
  roster.heard('b-other', 0)
  t.false(roster.dispatchesHere('b-other', 2 * BEAT), 'alive (within three beats)')
  t.false(roster.dispatchesHere(undefined, 0))
})

test('the roster: a dead instance’s last wills are dispatched by the live replica with the lowest broker id', (t) => {
  const low = new BrokerRoster('a-low', { heartbeatMs: BEAT })
  const high = new BrokerRoster('c-high', { heartbeatMs: BEAT })
  for (const roster of [low, high]) {
    roster.heard('b-dead', 0)
    roster.heard('a-low', 4 * BEAT)
    roster.heard('c-high', 4 * BEAT)
  }
  const now = 5 * BEAT
  t.true(low.dispatchesHere('b-dead', now))
  t.false(high.dispatchesHere('b-dead', now))
  t.false(low.dispatchesHere('b-dead', 2 * BEAT), 'not dead yet: its replica may still run')
})

/** aedes' in-memory emitter shared by a second instance, as mqemitter-redis would share it (its close is the first's). */
function sharedEmitter(mq: { on: unknown; removeListener: unknown; emit: unknown }) {
  type Call = (...args: unknown[]) => unknown
  const call =
    (name: 'on' | 'removeListener' | 'emit') =>
    (...args: unknown[]) =>
      (mq[name] as Call).apply(mq, args)
  return {
    on: call('on'),
    removeListener: call('removeListener'),
    emit: call('emit'),
    close: (done?: () => void) => done?.(),
  }
}

test('two embedded brokers sharing routing: each report is dispatched by the replica its device is connected to', async (t) => {
  const first = await startTestBroker(t)
  const second = await startTestBroker(t, {
    backends: () =>
      Promise.resolve({
        mq: sharedEmitter((first.broker.aedes as unknown as { mq: Parameters<typeof sharedEmitter>[0] }).mq),
      }),
  })
  t.false(first.broker.clustered)
  t.true(second.broker.clustered, 'a broker given a routing backend says it is clustered')
  const dataDir = await sharedDataDir(t)
  const replicas: Replica[] = []
  for (const broker of [first, second]) {
    const log = silentLogger()
    const bus = createEmbeddedBus(broker.broker.aedes, { log, clustered: true, probe: { intervalMs: 1000 } })
    const replica = await startReplica(t, dataDir, bus)
    if (replicas.length === 0) for (let index = 0; index < 20; index++) await seedHost(replica.inventory, `n-${index}`)
    attachCore(bus, replica.core, { log, metrics: replica.metrics })
    t.teardown(() => bus.close(true))
    replicas.push(replica)
    await pollUntil(() => bus.health().ok || JSON.stringify(bus.health()), 'attached', 30_000)
  }
  let routedToSecond = 0
  const count = (packet: { topic: string }, done: () => void): void => {
    if (!isProbeSubtree(packet.topic)) routedToSecond++ // the managers' delivery probes match the filter too
    done()
  }
  await new Promise<void>((resolve) => second.broker.aedes.subscribe('amt/v1/+/+/state', count, () => resolve()))
  t.teardown(() => new Promise<void>((resolve) => second.broker.aedes.unsubscribe('amt/v1/+/+/state', count, resolve)))
  const reports = 5
  await Promise.all(
    Array.from({ length: 20 }, async (_, index) => {
      const key = { tenantId: TENANT, hostId: `n-${index}` }
      const broker = index % 2 === 0 ? first : second
      const credential = await broker.addDevice(key.tenantId, key.hostId)
      const clientId = testClientId(credential.username)
      const client = await mqtt.connectAsync(broker.url, { ...credential, clientId, reconnectPeriod: 0 })
      t.teardown(() => client.endAsync(true))
      const agent = new AgentMessages(key)
      for (let report = 0; report < reports; report++) {
        const phase = report % 2 === 0 ? 'UNPROVISIONED' : 'ACTIVATING'
        const body = { phase, observedGeneration: 0, controlMode: 'PRE_PROVISIONING', remoteStatus: null } as const
        const { topic, payload } = agent.encode('state', body)
        await client.publishAsync(topic, payload, { qos: 1, retain: true })
      }
    }),
  )
  const [a, b] = replicas
  if (a === undefined || b === undefined) throw new Error('two replicas')
  await pollUntil(
    async () => {
      const page = await a.inventory.listHosts({ limit: 100 })
      const behind = page.hosts.filter((host) => host.lastSeq.state !== reports - 1).length
      return behind === 0 || `${behind} hosts behind`
    },
    'every last report stored',
    30_000,
  )
  await Promise.all([a.core.idle(), b.core.idle()])
  t.is(routedToSecond, 20 * reports, 'the second instance routes the messages of both (a real cluster)')
  t.is(await metricValue(a.metrics.messages, { leaf: 'state' }), 10 * reports, 'A: its 10 devices only')
  t.is(await metricValue(b.metrics.messages, { leaf: 'state' }), 10 * reports, 'B: its 10 devices only')
  const audit = await a.inventory.listAudit(TENANT, { limit: 1000 })
  t.is(audit.filter((event) => event.kind === 'state').length, 20 * reports, 'each report stored once, none dropped')
})
