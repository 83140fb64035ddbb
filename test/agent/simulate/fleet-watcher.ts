import type { ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { buildTopic, decodeMessage, encodePayload, type PayloadOf } from '../../../schemas/index.ts'
import { testClientId } from '../../helpers/client-ids.ts'

type State = PayloadOf<'state'>
type Event = PayloadOf<'events'>

interface HostKey {
  tenantId: string
  hostId: string
}

/** What the watcher saw of one host since the last `newEpoch()`. */
export interface Seen {
  state?: State
  /** A birth (presence online) was seen. */
  online: boolean
  capability: boolean
  events: Event[]
}

/**
 * The manager side of a fleet test: a manager-role mqtt.js client that publishes retained desired PROVISIONED for
 * the hosts it is given (again after every reconnect, as the real manager republishes from Inventory), answers
 * secret requests, and records what every host publishes. Closed in t.teardown.
 */
export interface FleetWatcher {
  /** Publishes (and remembers, for reconnects) desired PROVISIONED generation 1 for these hosts. */
  desire(hosts: readonly HostKey[]): Promise<void>
  /** Forgets what was seen (e.g. before a broker restart), so waits look only at what comes afterwards. */
  newEpoch(): void
  seen(host: HostKey): Seen
  /**
   * Resolves once `done` holds, checked after every message; rejects after `timeoutMs` (default FLEET_STEP_MS)
   * saying how far it got.
   */
  until(done: () => boolean, describe: () => string, timeoutMs?: number): Promise<void>
}

/**
 * Bound of one wait on the fleet (e.g. 200 hosts converging). A fleet of real agents needs a few seconds on an idle
 * machine and can need a minute on a loaded 2-core one (every agent, the broker and the watcher share one event
 * loop): the bound only turns a hang into a failure that says how far the fleet got.
 */
export const FLEET_STEP_MS = 120_000

const newer = (current: State | undefined, next: State): State =>
  current && current.bootId === next.bootId && current.seq > next.seq ? current : next

const key = ({ tenantId, hostId }: HostKey) => `${tenantId}/${hostId}`
const LEAVES = ['state', 'presence', 'capability', 'events', 'secret/req'] as const

export async function connectFleetWatcher(
  t: ExecutionContext,
  url: string,
  credential: { username: string; password: string },
): Promise<FleetWatcher> {
  // resubscribe off: after a reconnect the watcher subscribes itself, before it republishes desired (below).
  const client = await mqtt.connectAsync(url, {
    ...credential,
    clientId: testClientId(credential.username, 'fleet-watcher'),
    reconnectPeriod: 50,
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
    resubscribe: false,
  })
  t.teardown(() => client.endAsync(true))
  let seen = new Map<string, Seen>()
  const desired: HostKey[] = []
  const wakers = new Set<() => void>()

  const entry = (host: HostKey): Seen => {
    let found = seen.get(key(host))
    if (!found) seen.set(key(host), (found = { online: false, capability: false, events: [] }))
    return found
  }
  const publishDesired = (hosts: readonly HostKey[]) =>
    Promise.all(
      hosts.map((host) =>
        client.publishAsync(
          buildTopic({ ...host, leaf: 'desired' }),
          encodePayload('desired', {
            v: 1,
            ts: new Date().toISOString(),
            hostId: host.hostId,
            generation: 1,
            state: 'PROVISIONED',
            controlMode: 'CCM',
            profileName: 'ccm-profile',
          }),
          { qos: 1, retain: true },
        ),
      ),
    )

  client.on('message', (topic, bytes) => {
    const decoded = decodeMessage(topic, bytes)
    if (decoded.kind !== 'message') return
    const host = { tenantId: decoded.tenantId, hostId: decoded.hostId }
    const record = entry(host)
    // Ordered by the envelope's seq, as the manager does: mqtt.js replays unacknowledged QoS 1 publishes after a
    // reconnect, and a retained message can reach a new subscriber after a newer live one.
    if (decoded.leaf === 'state') record.state = newer(record.state, decoded.payload)
    else if (decoded.leaf === 'presence') record.online = decoded.payload.online || record.online
    else if (decoded.leaf === 'capability') record.capability = true
    else if (decoded.leaf === 'events') record.events.push(decoded.payload)
    else if (decoded.leaf === 'secret/req') {
      const response = {
        v: 1 as const,
        ts: new Date().toISOString(),
        hostId: host.hostId,
        correlationId: decoded.payload.correlationId,
        ok: true as const,
        password: 'Simulated-Amt-1!',
      }
      client.publish(buildTopic({ ...host, leaf: 'secret/res' }), encodePayload('secret/res', response), { qos: 1 })
    }
    for (const wake of wakers) wake()
  })
  const subscribe = () =>
    client.subscribeAsync(Object.fromEntries(LEAVES.map((leaf) => [`amt/v1/+/+/${leaf}`, { qos: 1 as const }])))
  // After a reconnect (a new broker lost every retained desired and every subscription): subscribe first, then
  // republish desired, as the manager does from Inventory. In this order every event an agent publishes in answer to
  // a republished desired finds the watcher subscribed (events are not retained: one published before the SUBACK
  // would be lost to the watcher). mqtt.js' own resubscribe could go out after these publishes (it waits for the
  // offline queue to drain), hence resubscribe: false.
  client.on('connect', () => {
    subscribe()
      .then(() => publishDesired(desired))
      .catch(() => undefined)
  })
  await subscribe()

  return {
    async desire(hosts) {
      desired.push(...hosts)
      await publishDesired(hosts)
    },
    newEpoch() {
      seen = new Map()
    },
    seen: (host) => entry(host),
    until(done, describe, timeoutMs = FLEET_STEP_MS) {
      return new Promise((resolve, reject) => {
        const finish = (err?: Error) => {
          clearTimeout(timer)
          wakers.delete(check)
          if (err) reject(err)
          else resolve()
        }
        const check = () => {
          if (done()) finish()
        }
        const timer = setTimeout(
          () => finish(new Error(`not reached within ${timeoutMs} ms: ${describe()}`)),
          timeoutMs,
        )
        wakers.add(check)
        check()
      })
    },
  }
}
