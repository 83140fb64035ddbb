import type { ExecutionContext } from 'ava'
import mqtt, { type MqttClient } from 'mqtt'
import { silentLogger } from '../../lib/log.ts'
import { attachCore } from '../../manager/bus/attach.ts'
import { createManagerBus, type ManagerBus } from '../../manager/bus/mqtt-bus.ts'
import { createManagerCore, type ManagerCore, type ManagerCoreOptions } from '../../manager/core/manager-core.ts'
import type { HostKey, Inventory } from '../../manager/inventory/port.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../manager/metrics/metrics.ts'
import {
  buildTopic,
  decodeMessage,
  LEAF_RULES,
  type AgentLeaf,
  type BodyOf,
  type Leaf,
  type PayloadOf,
} from '../../schemas/index.ts'
import type { TestBroker, TestCredential } from './broker.ts'
import { AgentMessages } from './manager-core.ts'
import { testClientId } from './client-ids.ts'

const WAIT_MS = 45_000

export interface RunningManager {
  core: ManagerCore
  bus: ManagerBus
  metrics: ManagerMetrics
  /** Resolves after the next completed (re)connect sweep (subscribed, desired + status republished). */
  nextSweep(): Promise<void>
  /** Completed sweeps so far. */
  sweeps(): number
}

/** A manager (bus + core) on the given Inventory, connected to the broker as the manager principal. Closed in t.teardown. */
export function startManager(
  t: ExecutionContext,
  {
    url,
    credential,
    inventory,
    options,
  }: { url: string; credential: TestCredential; inventory: Inventory; options?: ManagerCoreOptions },
): RunningManager {
  const log = silentLogger()
  const bus = createManagerBus({ url, ...credential, reconnectPeriodMs: 50, connectTimeoutMs: 30_000, log })
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound: bus, log, metrics, ...(options ? { options } : {}) })
  let sweeps = 0
  let waiting: Array<() => void> = []
  attachCore(bus, core, {
    log,
    metrics,
    afterSweep: () => {
      sweeps++
      for (const wake of waiting) wake()
      waiting = []
    },
  })
  t.teardown(async () => {
    await bus.close(true)
    await core.stop()
  })
  return {
    core,
    bus,
    metrics,
    sweeps: () => sweeps,
    nextSweep: () => withTimeout(new Promise<void>((resolve) => waiting.push(resolve)), 'the next sweep'),
  }
}

function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err instanceof Error ? err : new Error(String(err)))
      },
    )
  })
}

/** The manager's first sweep is done (it is subscribed): resolves at once when it happened already. */
export function managerReady(manager: RunningManager): Promise<void> {
  return manager.sweeps() > 0 ? Promise.resolve() : manager.nextSweep()
}

/** Resolves with the first truthy value of `probe`, polled until `timeoutMs` (waits for a stored effect). */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** An MQTT client that keeps every decoded message it receives and can wait for one. */
export class TestClient {
  readonly client: MqttClient
  readonly #messages: Array<{ topic: string; payload: unknown; retained: boolean }> = []
  readonly #waiters = new Set<() => void>()

  constructor(client: MqttClient) {
    this.client = client
    client.on('message', (topic, bytes, packet) => {
      const decoded = decodeMessage(topic, bytes)
      if (decoded.kind !== 'message') return
      this.#messages.push({ topic, payload: decoded.payload, retained: packet.retain })
      for (const wake of this.#waiters) wake()
    })
  }

  received<L extends Leaf>(key: HostKey, leaf: L): Array<PayloadOf<L>> {
    const topic = buildTopic({ ...key, leaf })
    return this.#messages.filter((m) => m.topic === topic).map((m) => m.payload as PayloadOf<L>)
  }

  /** The first message on the leaf of the host (received already or still to come) matching the predicate. */
  waitFor<L extends Leaf>(
    key: HostKey,
    leaf: L,
    predicate: (payload: PayloadOf<L>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<PayloadOf<L>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.received(key, leaf).find(predicate)
        if (found === undefined) return false
        cleanup()
        resolve(found)
        return true
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new Error(
            `no matching ${leaf} of ${key.hostId} within ${timeoutMs} ms; received ${JSON.stringify(this.received(key, leaf))}`,
          ),
        )
      }, timeoutMs)
      const wake = (): void => void check()
      const cleanup = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
      }
      if (!check()) this.#waiters.add(wake)
    })
  }
}

export async function connectClient(
  t: ExecutionContext,
  url: string,
  credential: TestCredential,
  subscriptions: string[],
): Promise<TestClient> {
  const client = await mqtt.connectAsync(
    url,
    { ...credential, clientId: testClientId(credential.username), reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => client.endAsync(true))
  const wrapped = new TestClient(client)
  if (subscriptions.length > 0) await client.subscribeAsync(subscriptions, { qos: 1 })
  return wrapped
}

/** A device principal playing the agent of one host: publishes agent leaves, reads its desired and secret/res. */
export class FakeAgent extends TestClient {
  readonly messages: AgentMessages

  constructor(client: MqttClient, key: HostKey) {
    super(client)
    this.messages = new AgentMessages(key)
  }

  async send<L extends AgentLeaf>(leaf: L, body: BodyOf<L>, { retain }: { retain?: boolean } = {}): Promise<void> {
    const { topic, payload } = this.messages.encode(leaf, body)
    await this.client.publishAsync(topic, payload, { qos: 1, retain: retain ?? LEAF_RULES[leaf].retained })
  }
}

export async function connectFakeAgent(
  t: ExecutionContext,
  broker: TestBroker,
  key: HostKey,
  credential?: TestCredential,
): Promise<FakeAgent> {
  const device = credential ?? (await broker.addDevice(key.tenantId, key.hostId))
  const client = await mqtt.connectAsync(
    broker.url,
    { ...device, clientId: testClientId(device.username, 'agent'), reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => client.endAsync(true))
  const agent = new FakeAgent(client, key)
  await client.subscribeAsync([buildTopic({ ...key, leaf: 'desired' }), buildTopic({ ...key, leaf: 'secret/res' })], {
    qos: 1,
  })
  return agent
}
