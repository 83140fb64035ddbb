import type { Client } from 'aedes'
import type { Principal } from './auth/principal.ts'

/**
 * Which principal each authenticated connection is, and which connection holds each client id, so the hooks
 * can authorise by principal and a client cannot take over (and disconnect) another principal's client id.
 */
export class ConnectionRegistry {
  readonly #principals = new WeakMap<Client, Principal>()
  readonly #byClientId = new Map<string, Client>()
  readonly #closedByBroker = new WeakSet<object>()
  readonly #revoked = new WeakSet<Client>()

  bind(client: Client, principal: Principal): void {
    this.#principals.set(client, principal)
  }

  principalOf(client: Client | null): Principal | undefined {
    return client === null ? undefined : this.#principals.get(client)
  }

  /** True when another principal's live connection holds this client id. */
  clientIdHeldByOther(clientId: string, principal: Principal): boolean {
    const holder = this.#byClientId.get(clientId)
    if (holder === undefined || holder.closed) return false
    return this.#principals.get(holder)?.id !== principal.id
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
  }
}
