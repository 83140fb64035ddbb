import type { Aedes, AedesPublishPacket, PublishPacket } from 'aedes'
import type { Logger } from '../../lib/log.ts'
import type { DecodedHandoff } from '../../broker/auth/decoded-handoff.ts'
import { BrokerRoster } from './broker-roster.ts'
import { DeliveryProbe } from './delivery-probe.ts'
import type { ManagerBus } from './mqtt-bus.ts'
import { MANAGER_SUBSCRIPTIONS } from './subscription-plan.ts'
import { PublishPump } from './publish-pump.ts'

export interface EmbeddedBusOptions {
  log: Logger
  /** Publications handed to the broker and not yet routed, at most; default 500 (the rest wait in the Outbox). */
  publishWindow?: number
  /** The delivery probe through aedes' own routing (delivery-probe.ts). */
  probe?: { intervalMs?: number; timeoutMs?: number }
  /**
   * The broker is one instance of a cluster (shared routing): only the messages of devices connected to this
   * instance are dispatched here (broker-roster.ts, docs/replicas.md). Off: every message is dispatched.
   */
  clustered?: boolean
  /** Clustered: aedes' heartbeat period, default its own default (broker-roster.ts). */
  heartbeatMs?: number
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number
  /**
   * What the broker's payload check decoded (the same `DecodedHandoff` given to createBroker): handed to the
   * dispatcher with the message, which then does not decode it again.
   */
  handoff?: DecodedHandoff
}

const HEARTBEATS = '$SYS/+/heartbeat'

/**
 * The manager's bus when the broker runs in the same process: the manager subscribes to and publishes through
 * aedes itself, not through a loopback MQTT connection. The same routing, retained store and per-device ACLs
 * apply to every device; what goes away is the manager's own socket: encoding, a syscall, parsing and a PUBACK
 * for every message in each direction (+28–40 % ingest throughput, docs/benchmarks.md).
 * The broker starts and stops with the manager, so there is no reconnect: `onReady` runs once, at start, and
 * nothing is ever replayed from the retained store (`retained` is always false).
 */
export function createEmbeddedBus(aedes: Aedes, options: EmbeddedBusOptions): ManagerBus {
  const log = options.log.child({ module: 'bus' })
  let started = false
  const pump = new PublishPump({
    window: options.publishWindow ?? 500,
    open: () => started,
    log,
    send: ({ topic, payload, options: publishOptions }, done) => {
      const packet: PublishPacket = {
        cmd: 'publish',
        topic,
        payload,
        qos: publishOptions.qos,
        retain: publishOptions.retain,
        dup: false,
      }
      aedes.publish(packet, (err) => done(err ?? null))
    },
  })
  let deliver: ((packet: AedesPublishPacket, callback: () => void) => void) | null = null
  const now = options.now ?? Date.now
  const roster = options.clustered
    ? new BrokerRoster(aedes.id, options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs })
    : null
  const hearHeartbeat = (packet: AedesPublishPacket, callback: () => void): void => {
    roster?.heard(packet.payload.toString(), now())
    queueMicrotask(callback)
  }
  const probe = new DeliveryProbe({
    ...options.probe,
    log,
    send: (topic, payload) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, () => undefined)
    },
  })

  const subscribe = (filter: string): Promise<void> =>
    new Promise((resolve) => {
      if (deliver) aedes.subscribe(filter, deliver, resolve)
    })

  return {
    get connected() {
      return started && !pump.closed
    },
    start(handlers) {
      if (started || pump.closed) return
      deliver = (packet, callback) => {
        // Never call back synchronously: aedes' emitter then starts the next queued message inside this call, and
        // a backlog of thousands (a wave on a busy machine) overflowed the stack. A microtask unwinds it first.
        queueMicrotask(callback)
        if (roster !== null && !roster.dispatchesHere(packet.brokerId, now())) return
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
        if (!probe.intercept(packet.topic, payload)) {
          const decoded = options.handoff?.take(packet.topic, payload)
          Promise.resolve(handlers.onMessage(packet.topic, payload, false, decoded)).catch((err: unknown) =>
            log.error({ err }, 'dispatch failed'),
          )
        }
      }
      const heartbeats =
        roster === null
          ? []
          : [new Promise<void>((resolve) => aedes.subscribe(HEARTBEATS, hearHeartbeat, () => resolve()))]
      Promise.all([...heartbeats, ...MANAGER_SUBSCRIPTIONS.map(subscribe)])
        .then(() => {
          started = true
          log.info({ subscriptions: MANAGER_SUBSCRIPTIONS.length }, 'subscribed to the embedded broker')
          probe.connected([])
          handlers.onReady()
          pump.pump()
        })
        .catch((err: unknown) => log.error({ err }, 'subscribing to the embedded broker failed'))
    },
    health: () => {
      if (!started || pump.closed) return { ok: false, detail: 'not attached to the embedded broker' }
      return probe.health()
    },
    // Every embedded broker's devices are this replica's or another live one's (broker-roster.ts): nothing to replay.
    catchUp: () => Promise.resolve(),
    publish: pump.push,
    async close(force = false) {
      probe.stop()
      pump.close(force)
      const handler = deliver
      deliver = null
      if (roster !== null)
        await new Promise<void>((resolve) => aedes.unsubscribe(HEARTBEATS, hearHeartbeat, () => resolve()))
      if (handler)
        await Promise.all(
          MANAGER_SUBSCRIPTIONS.map(
            (filter) => new Promise<void>((resolve) => aedes.unsubscribe(filter, handler, () => resolve())),
          ),
        )
      log.info('detached from the embedded broker')
    },
  }
}
