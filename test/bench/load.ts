import { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import mqtt, { type MqttClient } from 'mqtt'

/** Where the load generator connects. Identical code for every broker under test. */
export interface LoadTarget {
  port: number
  username?: string
  password?: string
}

export interface RoundTripResult {
  /** Latencies in ms, in the order measured. */
  latencies: number[]
  /** True when the time cap ended sampling before the requested count. */
  capped: boolean
}

export interface ThroughputResult {
  messages: number
  elapsedMs: number
  perSecond: number
  capped: boolean
}

export interface Clients {
  publisher: MqttClient
  subscriber: MqttClient
  close(): Promise<void>
}

const PAYLOAD_BYTES = 64

/** Within the username when there is one: amt-broker accepts only `<username>:<suffix>` ids (broker/README.md). */
async function connectClient(target: LoadTarget, name: string): Promise<MqttClient> {
  const clientId = target.username === undefined ? name : `${target.username}:${name}`
  const client = mqtt.connect({
    host: '127.0.0.1',
    port: target.port,
    protocolVersion: 4,
    clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    keepalive: 60,
    ...(target.username === undefined ? {} : { username: target.username, password: target.password }),
  })
  // The generator disables Nagle on its own sockets so that only the broker's socket options differ.
  if (client.stream instanceof Socket) client.stream.setNoDelay(true)
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
    client.once('close', () => reject(new Error(`${clientId}: connection closed before CONNACK`)))
  })
  return client
}

/** A publisher and a QoS 1 subscriber of `topic`, both MQTT 3.1.1 (the contract's baseline). */
export async function connectClients(target: LoadTarget, topic: string): Promise<Clients> {
  const suffix = Math.random().toString(36).slice(2, 8)
  const subscriber = await connectClient(target, `bench-sub-${suffix}`)
  const publisher = await connectClient(target, `bench-pub-${suffix}`)
  const granted = await subscriber.subscribeAsync(topic, { qos: 1 })
  if (granted[0]?.qos !== 1)
    throw new Error(`subscription to ${topic} not granted at QoS 1: ${JSON.stringify(granted)}`)
  return {
    publisher,
    subscriber,
    close: async () => {
      await Promise.all([publisher.endAsync(true), subscriber.endAsync(true)])
    },
  }
}

/** Who publishes and who must receive: two connections, or one connection subscribed to its own topic. */
export interface RoundTripPair {
  publisher: MqttClient
  receiver: MqttClient
}

export interface RoundTripOptions {
  /** Unmeasured messages first; warm-up ends after `warmup` messages or `warmupCapMs`, whichever comes first. */
  warmup: number
  warmupCapMs: number
  samples: number
  /** Sampling ends after `samples` or this long (a Nagle-delayed broker needs ~40 ms per sample). */
  capMs: number
}

/**
 * QoS 1 round trip: publish one message, wait until the receiver has it (and the PUBACK is in), repeat.
 * Latency = publish call → receiver's message event.
 */
export async function measureRoundTrip(
  { publisher, receiver }: RoundTripPair,
  topic: string,
  options: RoundTripOptions,
): Promise<RoundTripResult> {
  let waiting: { seq: number; resolve: () => void } | undefined
  const onMessage = (_topic: string, payload: Buffer): void => {
    if (waiting !== undefined && payload.readUInt32BE(0) === waiting.seq) waiting.resolve()
  }
  receiver.on('message', onMessage)
  let seq = 0
  const once = async (): Promise<number> => {
    const payload = Buffer.alloc(PAYLOAD_BYTES, 0x2e)
    payload.writeUInt32BE(++seq, 0)
    const current = seq
    const received = new Promise<void>((resolve) => (waiting = { seq: current, resolve }))
    const started = performance.now()
    const acked = publisher.publishAsync(topic, payload, { qos: 1 })
    await received
    const latency = performance.now() - started
    await acked
    return latency
  }
  const latencies: number[] = []
  try {
    const warmupEnd = performance.now() + options.warmupCapMs
    for (let i = 0; i < options.warmup && performance.now() < warmupEnd; i++) await once()
    const end = performance.now() + options.capMs
    while (latencies.length < options.samples && performance.now() < end) latencies.push(await once())
  } finally {
    receiver.off('message', onMessage)
  }
  return { latencies, capped: latencies.length < options.samples }
}

/**
 * QoS 1 throughput, 1 publisher → 1 subscriber: keeps at most `window` publishes awaiting their PUBACK and
 * counts until the subscriber has received every message (or the time cap ends the run).
 */
export async function measureThroughput(
  { publisher, subscriber }: Clients,
  topic: string,
  { messages, window, capMs }: { messages: number; window: number; capMs: number },
): Promise<ThroughputResult> {
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x2e)
  let sent = 0
  let acked = 0
  let received = 0
  let lastReceivedAt = performance.now()
  const started = performance.now()
  let onMessage = (): void => {}
  let stopped = false
  const capped = await new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(true), capMs)
    const pump = (): void => {
      while (!stopped && sent < messages && sent - acked < window) {
        sent++
        publisher.publish(topic, payload, { qos: 1 }, (err) => {
          if (err) {
            clearTimeout(timer)
            reject(err)
            return
          }
          acked++
          pump()
        })
      }
    }
    onMessage = () => {
      received++
      lastReceivedAt = performance.now()
      if (received === messages) {
        clearTimeout(timer)
        resolve(false)
      }
    }
    subscriber.on('message', onMessage)
    pump()
  })
  stopped = true
  subscriber.off('message', onMessage)
  const elapsedMs = lastReceivedAt - started
  return { messages: received, elapsedMs, perSecond: (received / elapsedMs) * 1000, capped }
}
