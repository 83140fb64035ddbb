import { randomUUID } from 'node:crypto'
import { Socket } from 'node:net'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Logger } from '../lib/log.ts'
import { withTimeout } from '../lib/with-timeout.ts'
import { decodeAgentMessage, encodeAgentPayload } from '../schemas/mini/agent-wire.ts'
import { buildTopic, LEAF_RULES } from '../schemas/topics.ts'
import type { Leaf, PayloadOf } from '../schemas/index.ts'
import type { AgentConfig } from './config.ts'
import { connectOptions } from './connect-options.ts'
import type { AgentIdentity } from './identity.ts'
import type { AgentMessage, InboundListener, MessageLeaf } from './messages.ts'
import { createOutbox } from './outbox.ts'
import { reconnectDelay, type ReconnectCause } from './reconnect-policy.ts'
import { createSequencer, type Sequencer } from './sequencer.ts'

/** The agent's view of the broker: one connection, typed messages in and out. */
export interface Bus {
  readonly bootId: string
  /** Starts connecting in the background (never throws, never blocks on the broker). */
  start(): void
  /** Publishes presence offline, disconnects cleanly (the last will is not fired), stops reconnecting. */
  stop(): Promise<void>
  /**
   * Sends now when connected, otherwise keeps it in the bounded outbox (retained leaves are republished on
   * reconnect), unless `offline: 'drop'`: then its owner re-sends it from `onReady` (secret requests).
   */
  publish(message: AgentMessage, options?: { offline?: 'queue' | 'drop' }): void
  onInbound(listener: InboundListener): void
  /** Called after every (re)connect, once subscribed and the outbox is flushed. */
  onReady(listener: () => void): void
  connection(): BusConnection
}

export interface BusConnection {
  connected: boolean
  /** Failed connection attempts since the last successful one. */
  failedAttempts: number
  lastError: string | null
}

export interface MqttBusOptions {
  config: AgentConfig
  identity: AgentIdentity
  log: Logger
  agentVersion: string
  bootId?: string
  now?: () => number
  random?: () => number
}

const GOODBYE_TIMEOUT_MS = 2_000

/**
 * mqtt.js with our own reconnect loop (reconnectPeriod 0 + reconnect-policy.ts: jitter within a window while the
 * broker is unreachable, wider windows while it answers busy), so a fleet that lost its broker comes back soon
 * and spread out, never in lock step.
 *
 * Clean session: the agent re-subscribes after every connect and `desired` is retained, so the broker re-delivers
 * the latest desired on subscribe; secret responses only matter to a request in flight, which times out and is
 * asked again. A persistent session would only make the broker queue messages for offline nodes across a fleet.
 *
 * Sequence numbers: at each connect the birth takes seq n and the last will n+1 (the will is fixed at connect
 * time), so a will that fires orders after that connection's birth; everything else continues at n+2.
 */
export function createMqttBus({
  config,
  identity,
  log: parentLog,
  agentVersion,
  bootId = randomUUID(),
  now,
  random,
}: MqttBusOptions): Bus {
  const log = parentLog.child({ module: 'bus' })
  const sequencer = createSequencer({ hostId: identity.hostId, bootId, now })
  const outbox = createOutbox(config.broker.offlineQueueLimit)
  const listeners: InboundListener[] = []
  const readyListeners: Array<() => void> = []
  const topic = (leaf: Leaf) => buildTopic({ ...identity, leaf })
  const status: BusConnection = { connected: false, failedAttempts: 0, lastError: null }
  let client: MqttClient | null = null
  let ready = false
  let stopping = false
  let reconnectTimer: NodeJS.Timeout | null = null
  let birthSeq = 0
  /** Why the current attempt failed, as far as known: an error or CONNACK of this attempt (reset at each attempt). */
  let attemptCause: ReconnectCause | undefined
  let busyStreak = 0

  const presence = (online: boolean, seq: number) =>
    encodeAgentPayload('presence', { ...sequencer.envelope(seq), online, agentVersion })

  /** Reserves the birth's seq and the will's right after it, and returns the will for the CONNECT packet. */
  const reserveBirthAndWill = (): NonNullable<IClientOptions['will']> => {
    birthSeq = sequencer.reserve()
    return { topic: topic('presence'), payload: presence(false, sequencer.reserve()), qos: 1, retain: true }
  }

  const send = (message: AgentMessage): void => {
    if (!client) return
    const { leaf } = message
    let payload: Buffer
    try {
      payload = encodeAgentMessage(message, sequencer)
    } catch (err) {
      log.error({ err, leaf }, 'message does not match its schema; not sent (a bug)')
      return
    }
    const rule = LEAF_RULES[leaf]
    client.publish(topic(leaf), payload, { qos: rule.qos, retain: rule.retained }, (err) => {
      if (err) log.warn({ err, leaf }, 'publish failed')
    })
  }

  const onConnect = async (): Promise<void> => {
    if (!client) return
    const attemptsBefore = status.failedAttempts
    status.connected = true
    status.failedAttempts = 0
    busyStreak = 0
    status.lastError = null
    log.info({ birthSeq, failedAttempts: attemptsBefore }, 'connected')
    client.publish(topic('presence'), presence(true, birthSeq), { qos: 1, retain: true })
    const grants = await client.subscribeAsync({ [topic('desired')]: { qos: 1 }, [topic('secret/res')]: { qos: 1 } })
    const refused = grants.filter((grant) => grant.qos === 128).map((grant) => grant.topic)
    if (refused.length > 0) log.error({ refused }, 'broker refused subscriptions: check the device ACL')
    if (!client.connected) return
    ready = true
    for (const message of [...outbox.retained(), ...outbox.drain()]) send(message)
    for (const listener of readyListeners) listener()
  }

  const scheduleReconnect = (): void => {
    if (stopping || reconnectTimer || !client) return
    // No error before the close: the broker took the TCP connection but closed it without CONNACK (refused before a
    // session, or our connect timeout): as busy as a CONNACK 3.
    const cause = attemptCause ?? 'busy'
    busyStreak = cause === 'busy' ? busyStreak + 1 : 0
    const { reconnectMinMs: minMs, reconnectWindowMs: windowMs, reconnectMaxMs: maxMs } = config.broker
    const delay = reconnectDelay(
      cause,
      { attempts: status.failedAttempts, busy: busyStreak },
      { minMs, windowMs, maxMs },
      random,
    )
    status.failedAttempts += 1
    // One line per outage at info; every further attempt at debug (a site of 1,000 nodes must not flood its logs).
    const level = status.failedAttempts === 1 ? 'info' : 'debug'
    log[level]({ delayMs: delay, attempt: status.failedAttempts, cause }, 'reconnect scheduled')
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null
      if (stopping || !client) return
      attemptCause = undefined
      client.options.will = reserveBirthAndWill()
      client.reconnect()
    }, delay)
  }

  const onMessage = (topicName: string, payload: Buffer): void => {
    const decoded = decodeAgentMessage(topicName, payload)
    for (const listener of listeners) listener(decoded)
  }

  return {
    bootId,
    start() {
      if (client) return
      client = mqtt.connect(config.broker.url, { ...connectOptions(config, identity), will: reserveBirthAndWill() })
      client.on('connect', () => {
        // Nagle off (mqtt.js leaves it on): a state published right after a PUBACK would otherwise wait for the
        // broker's delayed ACK, ~40 ms (docs/benchmarks.md).
        if (client?.stream instanceof Socket) client.stream.setNoDelay(true)
        onConnect().catch((err: unknown) => {
          log.warn({ err }, 'connect handshake failed; reconnecting')
          client?.end(true)
        })
      })
      client.on('close', () => {
        if (status.connected) attemptCause = 'unreachable' // a lost connection: try again soon, within the window
        if (status.connected && !stopping) log.warn('connection lost')
        status.connected = false
        ready = false
        scheduleReconnect()
      })
      client.on('error', (err) => {
        // A CONNACK refusal has a numeric code (3: shedding load; 2, 4, 5: credentials, which no quick retry fixes
        // either); socket errors have names (ECONNREFUSED...).
        attemptCause = typeof (err as { code?: unknown }).code === 'number' ? 'busy' : 'unreachable'
        const repeated = status.lastError !== null
        status.lastError = err.message
        // The first error of an outage is a warning; the same outage's further errors are debug (status keeps the last).
        log[repeated ? 'debug' : 'warn'](
          { err: { message: err.message, code: (err as { code?: unknown }).code } },
          'broker connection error',
        )
      })
      client.on('message', onMessage)
    },
    async stop() {
      stopping = true
      if (reconnectTimer) clearTimeout(reconnectTimer)
      reconnectTimer = null
      const current = client
      if (!current) return
      if (ready) {
        const goodbye = current.publishAsync(topic('presence'), presence(false, sequencer.reserve()), {
          qos: 1,
          retain: true,
        })
        await withTimeout(goodbye, GOODBYE_TIMEOUT_MS).catch((err: unknown) =>
          log.warn({ err }, 'offline presence not confirmed'),
        )
      }
      ready = false
      await withTimeout(current.endAsync(!status.connected), GOODBYE_TIMEOUT_MS).catch(() => current.end(true))
      status.connected = false
      log.info('disconnected')
    },
    publish(message, options) {
      if (stopping || (!ready && options?.offline === 'drop')) return
      const dropped = ready && !LEAF_RULES[message.leaf].retained ? undefined : outbox.put(message)
      if (dropped) log.warn({ leaf: dropped.leaf }, 'offline queue full: dropped the oldest message')
      if (ready) send(message)
    },
    onInbound(listener) {
      listeners.push(listener)
    },
    onReady(listener) {
      readyListeners.push(listener)
    },
    connection: () => ({ ...status }),
  }
}

/**
 * The message with the next envelope of this boot. The spread cannot be typed per leaf, so it is cast; encodeAgentPayload
 * validates it against the leaf's schema and throws on a mismatch (send logs it as a bug and drops the message).
 */
function encodeAgentMessage<L extends MessageLeaf>(message: AgentMessage<L>, sequencer: Sequencer): Buffer {
  const payload = { ...sequencer.envelope(sequencer.reserve()), ...message.body }
  return encodeAgentPayload(message.leaf, payload as PayloadOf<L>)
}
