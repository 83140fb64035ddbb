import type { ExecutionContext } from 'ava'
import { buildTopic } from '../../../schemas/topics.ts'
import type { TestBroker } from '../../helpers/broker.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { PINGREQ, RawMqttClient, publishPacket } from './raw-mqtt-client.ts'

/** How long a test waits for a close or a deferral: generous, the machine may be loaded. */
export const CLOSE_BOUND_MS = 30_000

/** The broker's timer for a keep alive of 1 s: 1.5 × 1000 + 1 ms (MQTT-3.1.2-24). */
export const ONE_SECOND_TIMER_MS = 1501

/** A manager principal on a bare socket (broker/README.md, "Client ids": its username is its client id). */
export async function rawManager(
  t: ExecutionContext,
  broker: TestBroker,
  keepAliveSeconds: number,
): Promise<RawMqttClient> {
  const login = await broker.addManager()
  return RawMqttClient.login(t, broker.port, { ...login, clientId: login.username, keepAliveSeconds })
}

/** `count` retained QoS 1 PUBLISHes of `status` for hosts h0…, as the manager sends its window. */
export function retainedStatuses(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    publishPacket({
      topic: buildTopic({ tenantId: 't1', hostId: `h${i}`, leaf: 'status' }),
      payload: `status ${i}`,
      qos: 1,
      retain: true,
      messageId: i + 1,
    }),
  )
}

/** PINGREQ every `everyMs` (what a live client does) until the returned stop, or t.teardown. */
export function keepPinging(t: ExecutionContext, client: RawMqttClient, everyMs: number): () => void {
  const timer = setInterval(() => client.send(PINGREQ), everyMs)
  const stop = (): void => clearInterval(timer)
  t.teardown(stop)
  return stop
}

/** Keepalive expiries the broker deferred for `reason` (broker/keepalive-deferral.ts). */
export const deferred = (broker: TestBroker, reason: string): number =>
  broker.broker.stats().keepaliveDeferred[reason] ?? 0

/**
 * `window` retained statuses in one write (aedes reads the client again only once all are handled), then a PINGREQ
 * every 500 ms: resolves once the broker deferred two expiries on the unread PINGREQs, the client still open.
 */
export async function pingingBehindBacklog(
  t: ExecutionContext,
  broker: TestBroker,
  client: RawMqttClient,
  window: number,
): Promise<void> {
  client.send(...retainedStatuses(window))
  keepPinging(t, client, 500)
  await pollUntil(
    () => deferred(broker, 'unread-bytes') >= 2 || client.closed || `deferred ${deferred(broker, 'unread-bytes')}`,
    'two keepalive periods deferred on unread PINGREQs',
    CLOSE_BOUND_MS,
  )
  t.false(client.closed, 'kept through two expired keepalive periods')
}
