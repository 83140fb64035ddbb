import { randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Logger } from '../../lib/log.ts'
import { withoutCredentials } from '../../lib/url.ts'
import type { DecodedMessage } from '../../schemas/decode.ts'
import { DeliveryProbe, type BusHealth } from './delivery-probe.ts'
import type { Outbound } from '../ports/outbound.ts'
import { PublishPump } from './publish-pump.ts'
import { subscriptionPlan, type PlannedSubscription, type SubscriptionPlan } from './subscription-plan.ts'

export interface ManagerBusOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string
  username?: string
  password?: string
  /** Default: `<username>:<random>` (amt-broker accepts only ids within the username), `amt-manager-<random>` without one. */
  clientId?: string
  /** Default true. False: a persistent session (fixed clientId): the broker queues QoS 1 messages while away. */
  clean?: boolean
  /**
   * Manager replicas: the agent leaves as MQTT 5 shared subscriptions of this group, each message to one replica
   * (subscription-plan.ts, docs/replicas.md). Absent: plain subscriptions, MQTT 3.1.1.
   */
  sharedGroup?: string
  /** Delay between reconnect attempts, default 1000 ms. */
  reconnectPeriodMs?: number
  connectTimeoutMs?: number
  keepaliveSeconds?: number
  /** Publications handed to mqtt.js unacknowledged at most, default 500 (the rest wait in the Outbox). */
  publishWindow?: number
  /** TLS material (mqtts/wss). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean }
  /** The delivery probe (delivery-probe.ts): a round every intervalMs (default 30 s), lost after timeoutMs (10 s). */
  probe?: { intervalMs?: number; timeoutMs?: number }
  log: Logger
}

interface ManagerBusHandlers {
  /**
   * Every message of the subscriptions; `retained` when replayed from the broker's retained store; `decoded` when
   * the embedded broker already decoded this payload (embedded-bus.ts). The manager passes its dispatcher
   * (dispatch.ts); a rejection of what it returns is logged.
   */
  onMessage: (topic: string, payload: Buffer, retained: boolean, decoded?: DecodedMessage) => unknown
  /** After every (re)connect, once the subscriptions are in place. */
  onReady: () => void
}

/** The manager's MQTT connection as the `manager` principal. */
export interface ManagerBus extends Outbound {
  start(handlers: ManagerBusHandlers): void
  readonly connected: boolean
  /** Connected, subscriptions granted, and the latest delivery probe came back (else why not, and what to fix). */
  health(): BusHealth
  /**
   * Replays the retained agent leaves to this manager once more (shared subscriptions only; a no-op otherwise):
   * what a replica that died may have taken with it (docs/replicas.md). Resolves when asked; no-op while offline.
   */
  catchUp(): Promise<void>
  /** Stops reconnecting and disconnects (unless `force`, publications handed to mqtt.js are finished first). */
  close(force?: boolean): Promise<void>
}

/**
 * Subscribes one filter per SUBSCRIBE packet, all at once, and returns the filters the broker refused (SUBACK 0x80
 * and up). One per packet: aedes on aedes-persistence-redis (an amt-broker cluster) never answers a persistent
 * session's SUBSCRIBE of several filters (one filter is answered), and the manager would never be ready.
 */
async function refusedFilters(current: MqttClient, planned: readonly PlannedSubscription[]): Promise<string[]> {
  const refused = await Promise.all(planned.map(async (one) => ((await isRefused(current, one)) ? [one.filter] : [])))
  return refused.flat()
}

/** mqtt.js rejects a SUBACK carrying a failure code, with the packet. */
async function isRefused(current: MqttClient, { filter, ...options }: PlannedSubscription): Promise<boolean> {
  const failed = (code: unknown): boolean => typeof code === 'number' && code >= 0x80
  try {
    const grants = await current.subscribeAsync({ [filter]: options })
    return grants.some((grant) => failed(grant.qos))
  } catch (err) {
    const granted = (err as { packet?: { granted?: unknown } }).packet?.granted
    if (!Array.isArray(granted) || granted.length !== 1) throw err
    return failed(granted[0])
  }
}

/**
 * Replicas: the retained agent leaves subscribed and unsubscribed at once (subscription-plan.ts). The broker queues
 * the replay of a SUBSCRIBE before it reads the UNSUBSCRIBE behind it (Mosquitto 2: measured, docs/replicas.md).
 */
async function catchUp(current: MqttClient, plan: SubscriptionPlan): Promise<void> {
  if (plan.catchUp.length === 0) return
  // One filter per SUBSCRIBE, as refusedFilters; the UNSUBSCRIBE goes out behind all of them.
  const replay = plan.catchUp.map((filter) => current.subscribeAsync(filter, { qos: 1 }))
  await Promise.all([...replay, current.unsubscribeAsync([...plan.catchUp])])
}

/**
 * mqtt.js with clean sessions and its own fixed-period reconnect. After every CONNACK: subscribe (again; clean
 * session), then `onReady`, where the core republishes desired + status from Inventory. Retained presence,
 * capability and state of every host are replayed by the broker on subscribe; the ingest drops those it has
 * seen (duplicate). Events and secret requests sent while the manager is away are not queued for it: the
 * agent asks again (secret requests time out) and events are an audit trail only.
 *
 * Publications go through the Outbox (outbox.ts): at most `publishWindow` unacknowledged at a time, the rest
 * waiting and merged per retained topic; while disconnected they wait there too. What still waits at close is
 * dropped: Inventory is the truth and the next start republishes it.
 *
 * A granted subscription is not proof of delivery (Mosquitto grants what its acl_file then filters): the
 * delivery probe (delivery-probe.ts) checks it after every connect and every 30 s; `health()` says what it found.
 */
export function createManagerBus(options: ManagerBusOptions): ManagerBus {
  const log = options.log.child({ module: 'bus' })
  let client: MqttClient | null = null
  const pump = new PublishPump({
    window: options.publishWindow ?? 500,
    open: () => client?.connected === true,
    send: ({ topic, payload, options: publishOptions }, done) =>
      client?.publish(topic, payload, publishOptions, (err) => done(err)),
    log,
  })

  const random = randomBytes(6).toString('hex')
  const clientId =
    options.clientId ?? (options.username === undefined ? `amt-manager-${random}` : `${options.username}:${random}`)
  const probe = new DeliveryProbe({
    instanceId: clientId,
    ...options.probe,
    log,
    send: (topic, payload) => {
      if (client?.connected !== true) return
      client.publish(topic, payload, { qos: 1, retain: false }, (err) => {
        if (err) log.debug({ err: { message: err.message } }, 'delivery probe not sent')
      })
    },
  })
  const plan = subscriptionPlan({ sharedGroup: options.sharedGroup, probeInstance: probe.instanceId })
  const connectOptions: IClientOptions = {
    clientId,
    clean: options.clean ?? true,
    // $share with retain handling needs MQTT 5 (Mosquitto 2 shares for 3.1.1 too, but replays retained to each).
    protocolVersion: options.sharedGroup === undefined ? 4 : 5,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    keepalive: options.keepaliveSeconds ?? 30,
    resubscribe: false,
    queueQoSZero: false,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.tls ?? {}),
  }

  const subscribe = async (current: MqttClient, handlers: ManagerBusHandlers): Promise<void> => {
    const subscriptions = [...plan.live, ...plan.probe]
    const refused = await refusedFilters(current, subscriptions)
    if (!current.connected || pump.closed) return
    await catchUp(current, plan).catch((err: unknown) => log.warn({ err }, 'retained catch-up failed'))
    if (!current.connected || pump.closed) return
    // Refusals (0x80) are logged once and make the bus unhealthy; a granted but filtered subscription shows up
    // only as probes that never come back.
    probe.connected(refused)
    log.info({ subscriptions: subscriptions.length - refused.length, sharedGroup: options.sharedGroup }, 'subscribed')
    handlers.onReady()
    pump.pump()
  }

  return {
    get connected() {
      return client?.connected ?? false
    },
    start(handlers) {
      if (client) return
      const current = mqtt.connect(options.url, connectOptions)
      client = current
      current.on('connect', () => {
        // Nagle off (mqtt.js leaves it on): this connection both publishes and acknowledges, so a desired written
        // right after a PUBACK would wait for the broker's delayed ACK, ~40 ms (docs/benchmarks.md, desired latency).
        if (current.stream instanceof Socket) current.stream.setNoDelay(true)
        pump.reset()
        log.info({ url: withoutCredentials(options.url), clientId: connectOptions.clientId }, 'connected')
        subscribe(current, handlers).catch((err: unknown) =>
          log.warn({ err }, 'subscribe failed; waiting for the next connect'),
        )
      })
      current.on('message', (topic, payload, packet) => {
        if (probe.intercept(topic, payload)) return
        Promise.resolve(handlers.onMessage(topic, payload, packet.retain)).catch((err: unknown) =>
          log.error({ err }, 'dispatch failed'),
        )
      })
      current.on('close', () => {
        probe.stop()
        if (!pump.closed) log.warn('connection closed; reconnecting')
      })
      current.on('error', (err) =>
        log.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'broker connection error'),
      )
    },
    health: () => (client?.connected === true ? probe.health() : { ok: false, detail: 'not connected to the broker' }),
    async catchUp() {
      if (client?.connected !== true) return
      await catchUp(client, plan)
      log.info({ filters: plan.catchUp.length }, 'retained agent leaves replayed')
    },
    publish: pump.push,
    async close(force = false) {
      probe.stop()
      pump.close(force)
      const current = client
      client = null
      if (current) await current.endAsync(force)
      log.info('disconnected')
    },
  }
}
