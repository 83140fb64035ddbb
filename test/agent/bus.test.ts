import test, { type ExecutionContext } from 'ava'
import type { Client } from 'aedes'
import { createLogger, silentLogger } from '../../lib/log.ts'
import { createMqttBus, type Bus } from '../../agent/bus.ts'
import { connectOptions } from '../../agent/connect-options.ts'
import { ENV_BROKER_PASSWORD, parseAgentConfig, type AgentConfig } from '../../agent/config.ts'
import type { StateBody } from '../../agent/messages.ts'
import { startTestBroker, type TestBroker } from '../helpers/broker.ts'
import { connectTestManager } from '../helpers/agent-manager.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { freePort } from '../helpers/free-port.ts'

const TENANT = 'acme'
const state: StateBody = {
  phase: 'UNPROVISIONED',
  observedGeneration: 0,
  controlMode: 'PRE_PROVISIONING',
  remoteStatus: 'not connected',
}

function busConfig(
  url: string,
  credential?: { username: string; password: string },
  broker: Record<string, unknown> = {},
): AgentConfig {
  const parsed = parseAgentConfig(
    {
      tenantId: TENANT,
      hostId: 'node-1',
      broker: { url, username: credential?.username, reconnectMinMs: 20, reconnectMaxMs: 200, ...broker },
    },
    { env: credential ? { [ENV_BROKER_PASSWORD]: credential.password } : {} },
  )
  if (!parsed.ok) throw new Error(parsed.problems.join('; '))
  return parsed.config
}

async function startBus(t: ExecutionContext, broker: TestBroker, hostId: string, tenantId = TENANT): Promise<Bus> {
  const credential = await broker.addDevice(tenantId, hostId)
  const config = busConfig(broker.url, credential)
  const bus = createMqttBus({ config, identity: { tenantId, hostId }, log: silentLogger(), agentVersion: '0.0.0-test' })
  t.teardown(() => bus.stop())
  return bus
}

/** Resolves with aedes' view of the agent's connection once it is ready. */
function nextClient(broker: TestBroker, clientId: string): Promise<Client> {
  return new Promise((resolve) => {
    const onReady = (client: Client) => {
      if (client.id !== clientId) return
      broker.broker.aedes.off('clientReady', onReady)
      resolve(client)
    }
    broker.broker.aedes.on('clientReady', onReady)
  })
}

test('birth takes seq n, the last will n+1, other messages continue at n+2; the will orders after its birth', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = 'node-seq'
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  const bus = await startBus(t, broker, hostId)
  const firstConnection = nextClient(broker, agentClientId({ tenantId: TENANT, hostId }))
  bus.publish({ leaf: 'state', body: state }) // before connecting: kept and sent after the birth
  bus.start()

  const birth = await manager.waitFor('presence', (p) => p.online)
  t.is(birth.seq, 0)
  t.is(birth.bootId, bus.bootId)
  t.like(await manager.waitFor('state'), { seq: 2, bootId: bus.bootId, phase: 'UNPROVISIONED' })

  const reconnected = nextClient(broker, agentClientId({ tenantId: TENANT, hostId }))
  ;(await firstConnection).close() // the broker drops the connection: the will fires
  const will = await manager.waitFor('presence', (p) => !p.online)
  t.is(will.seq, 1)
  t.is(will.bootId, bus.bootId)

  await reconnected
  const rebirth = await manager.waitFor('presence', (p) => p.online && p.seq > 1)
  t.is(rebirth.seq, 3, 'a new birth (3) with a new will reserved (4)')
  t.like(
    await manager.waitFor('state', (s) => s.seq > 2),
    { seq: 5, phase: 'UNPROVISIONED' },
    'state republished after reconnect',
  )
})

test('on connect the agent subscribes to desired and secret/res before it republishes state', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = 'node-order'
  const clientId = agentClientId({ tenantId: TENANT, hostId })
  const seen: string[] = []
  broker.broker.aedes.on('subscribe', (subscriptions, client) => {
    if (client.id === clientId)
      seen.push(`subscribe ${subscriptions.map((s) => s.topic.split('/').slice(4).join('/')).join(',')}`)
  })
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  const bus = await startBus(t, broker, hostId)
  bus.publish({ leaf: 'state', body: state })
  bus.start()
  manager.client.on('message', (topic) => {
    if (topic.endsWith('/state')) seen.push('state received')
  })
  await manager.waitFor('state')
  t.deepEqual(seen, ['subscribe desired,secret/res', 'state received'])
})

test('the same hostId in two tenants: both agents stay connected side by side, no take-over', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = 'shared-node'
  const sessions = new Map<string, number>()
  broker.broker.aedes.on('clientReady', (client) => sessions.set(client.id, (sessions.get(client.id) ?? 0) + 1))
  const managerA = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  const managerB = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: 'other',
    hostId,
  })
  const busA = await startBus(t, broker, hostId)
  const busB = await startBus(t, broker, hostId, 'other')
  busA.start()
  await managerA.waitFor('presence', (p) => p.online)
  busB.start()
  await managerB.waitFor('presence', (p) => p.online)
  busA.publish({ leaf: 'state', body: state })
  busB.publish({ leaf: 'state', body: state })
  await Promise.all([managerA.waitFor('state'), managerB.waitFor('state')])
  t.true(busA.connection().connected && busB.connection().connected)
  t.deepEqual(
    Object.fromEntries([...sessions].filter(([id]) => id.startsWith('amt-agent'))),
    { [agentClientId({ tenantId: TENANT, hostId })]: 1, [agentClientId({ tenantId: 'other', hostId })]: 1 },
    'one session each, never re-established',
  )
})

test('a clean stop publishes presence offline and the will never fires', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = 'node-bye'
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  const bus = await startBus(t, broker, hostId)
  bus.start()
  await manager.waitFor('presence', (p) => p.online)
  await bus.stop()
  const goodbye = await manager.waitFor('presence', (p) => !p.online)
  t.is(goodbye.seq, 2, 'the goodbye continues the sequence after birth (0) and the reserved will (1)')
  t.false(bus.connection().connected)
})

test('reconnects use exponential backoff with jitter from reconnectMinMs to reconnectMaxMs, not a fixed period', async (t) => {
  const port = await freePort()
  const delays: number[] = []
  let fourScheduled = (): void => undefined
  const fourAttempts = new Promise<void>((resolve) => (fourScheduled = resolve))
  const levels: Record<string, number[]> = {}
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; delayMs?: number; level: number }
      if (entry.msg !== undefined) (levels[entry.msg] ??= []).push(entry.level)
      if (entry.msg === 'reconnect scheduled' && entry.delayMs !== undefined && delays.push(entry.delayMs) === 4)
        fourScheduled()
    },
  }
  const log = createLogger({ name: 'bus-test', level: 'debug', destination })
  const config = busConfig(`mqtt://127.0.0.1:${port}`, undefined, { reconnectMinMs: 20, reconnectMaxMs: 80 })
  const bus = createMqttBus({
    config,
    identity: { tenantId: TENANT, hostId: 'node-backoff' },
    log,
    agentVersion: '0',
    random: () => 1,
  })
  t.teardown(() => bus.stop())
  bus.start()
  await fourAttempts
  t.deepEqual(delays.slice(0, 4), [20, 40, 80, 80])
  t.true(bus.connection().failedAttempts >= 4)
  const loud = (msg: string) => (levels[msg] ?? []).filter((level) => level >= 30).length
  t.is(loud('reconnect scheduled'), 1, 'one line per outage at info, the other attempts at debug')
  t.is(loud('broker connection error'), 1, 'the first error of an outage is a warning, the rest debug')
  t.true(bus.connection().lastError !== null)
})

test('the agent asks mqtt.js for no packet-id Buffer cache (6 MiB of an idle agent, docs/benchmarks.md)', (t) => {
  const options = connectOptions(busConfig('mqtt://127.0.0.1:1883'), { tenantId: TENANT, hostId: 'node-1' })
  t.false(options.writeCache)
})

test('a broker that sheds load (CONNACK 3) gets the busy delay, [window/2, window]; the agent connects once it admits', async (t) => {
  const shedder = { on: true, start: () => undefined, stop: () => undefined, shed: () => shedder.on }
  const broker = await startTestBroker(t, { shedder })
  const hostId = 'node-busy'
  const credential = await broker.addDevice(TENANT, hostId)
  const scheduled: Array<{ delayMs: number; cause: string }> = []
  let firstScheduled = (): void => undefined
  const busyAnswered = new Promise<void>((resolve) => (firstScheduled = resolve))
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; delayMs?: number; cause?: string }
      if (entry.msg !== 'reconnect scheduled' || entry.delayMs === undefined || entry.cause === undefined) return
      scheduled.push({ delayMs: entry.delayMs, cause: entry.cause })
      shedder.on = false // the next attempt is admitted
      firstScheduled()
    },
  }
  const config = busConfig(broker.url, credential, {
    reconnectMinMs: 20,
    reconnectWindowMs: 200,
    reconnectMaxMs: 2_000,
  })
  const bus = createMqttBus({
    config,
    identity: { tenantId: TENANT, hostId },
    log: createLogger({ name: 'bus-test', level: 'debug', destination }),
    agentVersion: '0',
  })
  t.teardown(() => bus.stop())
  const ready = new Promise<void>((resolve) => bus.onReady(resolve))
  bus.start()
  await busyAnswered
  const [first] = scheduled
  t.is(first?.cause, 'busy')
  t.true(first !== undefined && first.delayMs >= 100 && first.delayMs <= 200, JSON.stringify(first))
  await ready
  t.true(bus.connection().connected)
  t.is(broker.broker.stats().connectionsRefused.busy, 1)
})

test('a broker that is down (connection refused) gets the unreachable delay: within the window, never the 60 s cap', async (t) => {
  const port = await freePort()
  const scheduled: Array<{ delayMs: number; cause: string }> = []
  let sixScheduled = (): void => undefined
  const six = new Promise<void>((resolve) => (sixScheduled = resolve))
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; delayMs?: number; cause?: string }
      if (entry.msg !== 'reconnect scheduled' || entry.delayMs === undefined || entry.cause === undefined) return
      if (scheduled.push({ delayMs: entry.delayMs, cause: entry.cause }) === 6) sixScheduled()
    },
  }
  const config = busConfig(`mqtt://127.0.0.1:${port}`, undefined, {
    reconnectMinMs: 10,
    reconnectWindowMs: 80,
    reconnectMaxMs: 60_000,
  })
  const bus = createMqttBus({
    config,
    identity: { tenantId: TENANT, hostId: 'node-down' },
    log: createLogger({ name: 'bus-test', level: 'debug', destination }),
    agentVersion: '0',
    random: () => 1,
  })
  t.teardown(() => bus.stop())
  bus.start()
  await six
  t.deepEqual(
    scheduled.slice(0, 6),
    [10, 20, 40, 80, 80, 80].map((delayMs) => ({ delayMs, cause: 'unreachable' })),
  )
})
