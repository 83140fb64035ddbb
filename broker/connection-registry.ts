import type { AedesOptions, Client } from 'aedes'
import { clientIdOwner } from './auth/client-id-policy.ts'
import type { Principal } from './auth/principal.ts'

type PreConnect = NonNullable<AedesOptions['preConnect']>

/**
 * Which principal each authenticated connection is, and which connection holds each client id, so the hooks
 * can authorise by principal and a client cannot take over (and disconnect) another principal's client id.
 * Also which client ids the broker assigned, and the live connections of each device (its connection cap).
 */
export class ConnectionRegistry {
  readonly #principals = new WeakMap<Client, Principal>()
  readonly #byClientId = new Map<string, Client>()
  readonly #serverAssigned = new WeakSet<Client>()
  /**
   * Authenticated connections of each device (clientIdOwner), from `bind` until closed: the client itself while it is
   * the only one (nearly always: one agent per device), a Set beyond (a Set per device was ~300 bytes per node).
   */
  readonly #byDevice = new Map<string, Client | Set<Client>>()
  readonly #closedByBroker = new WeakSet<object>()
  readonly #revoked = new WeakSet<Client>()

  /**
   * Wraps the `preConnect` hook to note, before aedes replaces an empty client id (clean session) with a generated
   * one, which clients sent none: their id is server-assigned (client-id-policy.ts).
   */
  noteClientIds(preConnect: PreConnect): PreConnect {
    return (client, packet, done) => {
      if (packet.clientId === '' && packet.clean) this.#serverAssigned.add(client)
      preConnect(client, packet, done)
    }
  }

  /** Whether aedes generated this connection's client id (the client sent none). */
  serverAssigned(client: Client): boolean {
    return this.#serverAssigned.has(client)
  }

  bind(client: Client, principal: Principal): void {
    this.#principals.set(client, principal)
    if (principal.role !== 'device') return
    const owner = clientIdOwner(principal)
    const held = this.#byDevice.get(owner)
    if (held === undefined || held === client) this.#byDevice.set(owner, client)
    else if (held instanceof Set) held.add(client)
    else this.#byDevice.set(owner, new Set([held, client]))
  }

  /**
   * Live authenticated connections of this device, not counting those holding `clientId` (a connection with the
   * same id takes them over and they close).
   */
  deviceConnections(principal: Principal, clientId: string): number {
    const owner = clientIdOwner(principal)
    const held = this.#byDevice.get(owner)
    if (held === undefined) return 0
    if (!(held instanceof Set)) {
      if (held.closed) this.#byDevice.delete(owner)
      return held.closed || held.id === clientId ? 0 : 1
    }
    let live = 0
    for (const client of held) {
      if (client.closed) held.delete(client)
      else if (client.id !== clientId) live += 1
    }
    const [only] = held
    if (only === undefined) this.#byDevice.delete(owner)
    else if (held.size === 1) this.#byDevice.set(owner, only)
    return live
  }

  principalOf(client: Client | null): Principal | undefined {
    return client === null ? undefined : this.#principals.get(client)
  }

  /** True when a live connection of another owner (client-id-policy.ts) holds this client id. */
  clientIdHeldByOther(clientId: string, principal: Principal): boolean {
    const holder = this.#byClientId.get(clientId)
    const holderPrincipal = holder === undefined || holder.closed ? undefined : this.#principals.get(holder)
    return holderPrincipal !== undefined && clientIdOwner(holderPrincipal) !== clientIdOwner(principal)
  }

  /** The broker closed this connection itself (already logged and counted); later errors on it are echoes. */
  markClosedByBroker(connection: object): void {
    this.#closedByBroker.add(connection)
  }

  closedByBroker(connection: object): boolean {
    return this.#closedByBroker.has(connection)
  }

  /** Live connections whose principal matches. */
  connectionsOf(match: (principal: Principal) => boolean): Client[] {
    return [...this.#byClientId.values()].filter((client) => {
      const principal = this.#principals.get(client)
      return !client.closed && principal !== undefined && match(principal)
    })
  }

  /** The broker is closing this connection because its principal was removed: it may publish nothing more, not even its last will. */
  revoke(client: Client): void {
    this.#revoked.add(client)
  }

  revoked(client: Client): boolean {
    return this.#revoked.has(client)
  }

  /** aedes 'clientReady'. */
  ready(client: Client): void {
    this.#byClientId.set(client.id, client)
  }

  /** aedes 'clientDisconnect'. */
  disconnected(client: Client): void {
    if (this.#byClientId.get(client.id) === client) this.#byClientId.delete(client.id)
    const principal = this.#principals.get(client)
    if (principal?.role === 'device') this.deviceConnections(principal, client.id)
  }
}
