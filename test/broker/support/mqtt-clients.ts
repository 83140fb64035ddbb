import type { ExecutionContext } from 'ava'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { testClientId } from '../../helpers/client-ids.ts'

/** Every wait in these tests is on an event, bounded by this. */
export const EVENT_TIMEOUT_MS = 10_000

export interface Credential {
  username: string
  password: string
}

/** mqtt.js options: MQTT 3.1.1, no reconnect, a client id the principal may use (client-ids.ts) unless given. */
function clientOptions(credential: Partial<Credential>, options: IClientOptions): IClientOptions {
  const clientId = testClientId(credential.username)
  return {
    ...credential,
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: EVENT_TIMEOUT_MS,
    ...options,
  }
}

/** Connects an mqtt.js client and ends it in t.teardown. Rejects on a refused CONNACK. */
export async function connectClient(
  t: ExecutionContext,
  url: string,
  credential: Partial<Credential>,
  options: IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, clientOptions(credential, options))
  // A broker-closed connection may surface as an error event; the tests observe 'close' instead.
  client.on('error', () => undefined)
  t.teardown(() => client.endAsync(true))
  return client
}

/**
 * Connects, expecting the broker to refuse: resolves with the CONNACK return code, `connection closed` when
 * the broker closed the socket without CONNACK, another error's message, or 0 if the connection was accepted.
 */
export function refusedConnect(
  url: string,
  credential: Partial<Credential>,
  options: IClientOptions = {},
): Promise<number | string> {
  const client = mqtt.connect(url, clientOptions(credential, options))
  client.on('error', () => undefined)
  const outcome = new Promise<number | string>((resolve) => {
    client.once('connect', () => resolve(0))
    client.once('error', (err) => {
      const code = (err as { code?: unknown }).code
      resolve(typeof code === 'number' ? code : err.message)
    })
    client.once('close', () => resolve('connection closed'))
  })
  return within(outcome, `the broker's answer to CONNECT on ${url}`).finally(() => client.end(true))
}

/** SUBSCRIBE and return the SUBACK return codes, including failures (0x80), which mqtt.js reports as errors. */
export async function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters, { qos })
    return granted.map((grant) => grant.qos)
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet
    if (packet?.granted === undefined) throw err
    return packet.granted
  }
}

/** Resolves when `event` fires, rejects after the timeout with a message naming what was awaited. */
export function within<T>(promise: Promise<T>, what: string, ms = EVENT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export interface Received {
  topic: string
  payload: string
  retain: boolean
}

/** Records every message a client receives and lets a test wait until a condition on them holds. */
export class Inbox {
  readonly messages: Received[] = []
  readonly #waiters = new Set<() => void>()

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain })
      for (const wake of this.#waiters) wake()
    })
  }

  until(condition: (messages: readonly Received[]) => boolean, what: string): Promise<void> {
    if (condition(this.messages)) return Promise.resolve()
    let wake: () => void = () => undefined
    const reached = new Promise<void>((resolve) => {
      wake = () => {
        if (condition(this.messages)) resolve()
      }
      this.#waiters.add(wake)
    })
    return within(reached, what).finally(() => this.#waiters.delete(wake))
  }
}

export type PublishOutcome = 'delivered' | 'connection closed'

/** Publishes (QoS 1) and waits for the first of: the observer receives the message, or the broker closes the publisher. */
export function publishOutcome(
  publisher: MqttClient,
  observer: MqttClient,
  topic: string,
  payload: string,
): Promise<PublishOutcome> {
  const outcome = new Promise<PublishOutcome>((resolve) => {
    const onMessage = (_topic: string, received: Buffer): void => {
      if (received.toString('utf8') === payload) finish('delivered')
    }
    const onClose = (): void => finish('connection closed')
    const finish = (result: PublishOutcome): void => {
      observer.removeListener('message', onMessage)
      publisher.removeListener('close', onClose)
      resolve(result)
    }
    observer.on('message', onMessage)
    publisher.once('close', onClose)
    publisher.publish(topic, payload, { qos: 1 }, () => undefined)
  })
  return within(outcome, `the outcome of publishing ${topic}`)
}
