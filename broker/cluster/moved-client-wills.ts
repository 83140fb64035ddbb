import type { Aedes } from 'aedes'
import type { Logger } from '../../lib/log.ts'

/** What this needs of the Redis connection of aedes-persistence-redis (its key prefix applied by ioredis). */
export interface WillKeys {
  exists(key: string): Promise<number>
  lrange(key: string, start: number, stop: number): Promise<string[]>
}

/** What this needs of the persistence: removing the will one instance stored for one client. */
export interface WillStore {
  delWill(client: { id: string; brokerId: string }): Promise<unknown>
}

/**
 * aedes-persistence-redis keeps every will under `will:<brokerId>:<clientId, URI-encoded>`, all listed in the list
 * `will` (test/broker/cluster/moved-client-wills.test.ts pins it).
 */
const WILL_LIST = 'will'
const willKey = (brokerId: string, clientId: string) => `${WILL_LIST}:${brokerId}:${encodeURIComponent(clientId)}`

/**
 * A client that connects to this instance drops the last wills other instances stored for its client id.
 *
 * aedes stores a client's will under the id of the instance it connected to, and at CONNECT deletes the will of
 * that id under ITS OWN instance id only. When an instance dies, its clients reconnect to live ones, but their wills
 * stay stored under the dead instance's id; a live instance publishes them once it takes the instance for dead
 * (after three heartbeats) — minutes after the device said it was online again: a retained `presence` offline of
 * a device that is connected. So, on every connect, this looks for a will of the same client id under each other
 * instance it knows of (EXISTS, one key per instance) and deletes it. Instances are known from their births,
 * heartbeats and client announcements (`$SYS/<id>/new/clients`: every instance a client connected to while this
 * one ran), and at start from the stored wills themselves (an instance that died before this one started).
 * The same announcement, for a client still connected HERE (a takeover: the client reconnected elsewhere while its
 * old connection lives on), drops the will of that old connection before aedes closes it: across instances its
 * "offline" could otherwise land after the client's new birth.
 */
/** The routing's subscribe (mqemitter), as aedes' own handlers use it. */
export interface Routing {
  on(topic: string, listener: (message: RoutedMessage, done: () => void) => void): unknown
}
type RoutedMessage = { topic: string; payload?: unknown }

/**
 * Registered on the routing BEFORE aedes is built on it (its handlers then run before aedes' own for the same
 * message: the takeover below must happen before aedes closes the old connection); returns what to call with the
 * broker once it exists.
 */
export function dropMovedClientsWills(
  routing: Routing,
  deps: { keys: WillKeys; store: WillStore; log: Logger },
): (aedes: Aedes) => void {
  const log = deps.log.child({ module: 'broker/cluster' })
  const others = new Set<string>()
  let broker: Aedes | null = null
  const note = (brokerId: string) => {
    if (brokerId !== broker?.id && brokerId !== '') others.add(brokerId)
  }
  const hear = (packet: RoutedMessage, done: () => void) => {
    note(String(packet.payload))
    done()
  }
  /** Clients connected here, by id (aedes' own table; its types leave it out). */
  const local = (id: string) =>
    (broker as unknown as { clients: Record<string, { will: unknown } | undefined> } | null)?.clients[id]
  const hearConnect = (packet: RoutedMessage, done: () => void) => {
    const brokerId = packet.topic.split('/')[1] ?? ''
    note(brokerId)
    // The client connected to another instance: aedes closes its connection here (a takeover) and would publish
    // its will, which may reach Redis after the client's new birth there. It is connected: it has no will to send.
    const client = broker === null || brokerId === broker.id ? undefined : local(String(packet.payload))
    if (client !== undefined) client.will = null
    done()
  }
  routing.on('$SYS/+/birth', hear)
  routing.on('$SYS/+/heartbeat', hear)
  routing.on('$SYS/+/new/clients', hearConnect)
  return (aedes) => {
    broker = aedes
    others.delete(aedes.id)
    attachDrops(aedes, { ...deps, log, others, note })
  }
}

function attachDrops(
  aedes: Aedes,
  deps: { keys: WillKeys; store: WillStore; log: Logger; others: Set<string>; note: (id: string) => void },
): void {
  const { log, others, note } = deps
  deps.keys.lrange(WILL_LIST, 0, -1).then(
    (keys) => keys.forEach((key) => note(key.split(':')[1] ?? '')),
    (err: unknown) => log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'reading wills failed'),
  )

  const drop = async (clientId: string, brokerId: string) => {
    if ((await deps.keys.exists(willKey(brokerId, clientId))) === 0) return
    await deps.store.delWill({ id: clientId, brokerId })
    log.info({ clientId, brokerId }, 'dropped the last will another instance held for a client that moved here')
  }
  aedes.on('client', (client) => {
    for (const brokerId of others) {
      drop(client.id, brokerId).catch((err: unknown) =>
        log.warn({ clientId: client.id, reason: err instanceof Error ? err.message : String(err) }, 'will not dropped'),
      )
    }
  })
}
