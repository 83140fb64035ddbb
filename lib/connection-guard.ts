import type { Socket } from 'node:net'

/**
 * Bounds what sockets nobody has authenticated yet can hold, on any listener (broker TCP/TLS/WS, HTTP API):
 *
 * - a per-address cap: an address holds at most `maxPerAddress` counted sockets; one more is refused (destroyed
 *   at once). The broker counts a socket until its CONNECT is accepted (`trusted`), the API counts every socket.
 * - a pool of "waiting" sockets (not yet authenticated, or an HTTP connection between requests) of at most
 *   `maxWaiting`: a new socket beyond it evicts the oldest waiting one, so a flood of idle sockets from many
 *   addresses cannot use up the file descriptors: new clients still get in, the oldest idle ones go.
 *
 * Timeouts (listener options) cut idle sockets anyway; the guard bounds what is open between two cuts.
 */
export interface ConnectionGuardOptions {
  maxPerAddress: number
  maxWaiting: number
  /** A socket refused by the per-address cap or evicted from the waiting pool (count and log it). */
  onRefused: (refusal: GuardRefusal) => void
}

type GuardRefusalReason = 'per-address-cap' | 'waiting-evicted'

interface GuardRefusal {
  reason: GuardRefusalReason
  remoteAddress: string
}

const UNKNOWN_ADDRESS = 'unknown'

export class ConnectionGuard {
  readonly #perAddress = new Map<string, number>()
  /** Counted sockets and their address (a closed socket's remoteAddress may be gone). */
  readonly #counted = new Map<Socket, string>()
  /** Waiting sockets, oldest first (insertion order). */
  readonly #waiting = new Set<Socket>()
  readonly #options: ConnectionGuardOptions

  constructor(options: ConnectionGuardOptions) {
    this.#options = options
  }

  /** A new socket: false (and destroyed) when its address is at its cap; else counted and waiting. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? UNKNOWN_ADDRESS
    const held = this.#perAddress.get(address) ?? 0
    if (held >= this.#options.maxPerAddress) {
      socket.destroy()
      this.#options.onRefused({ reason: 'per-address-cap', remoteAddress: address })
      return false
    }
    this.#perAddress.set(address, held + 1)
    this.#counted.set(socket, address)
    socket.once('close', () => this.#forget(socket))
    this.waiting(socket)
    return true
  }

  /** The socket waits again (an HTTP connection between requests): evictable, newest last. */
  waiting(socket: Socket): void {
    if (socket.destroyed || !this.#counted.has(socket)) return
    this.#waiting.delete(socket)
    this.#waiting.add(socket)
    while (this.#waiting.size > this.#options.maxWaiting) this.#evictOldest()
  }

  /** The socket is busy (an HTTP request in flight): not evictable until `waiting` again. */
  busy(socket: Socket): void {
    this.#waiting.delete(socket)
  }

  /** The socket is authenticated (MQTT CONNECT accepted): it no longer counts against its address or the pool. */
  trusted(socket: Socket): void {
    this.#forget(socket)
  }

  /** Sockets counted now (tests, metrics). */
  get counted(): number {
    return this.#counted.size
  }

  get waitingCount(): number {
    return this.#waiting.size
  }

  #evictOldest(): void {
    const oldest = this.#waiting.values().next()
    if (oldest.done === true) return
    const address = this.#counted.get(oldest.value) ?? UNKNOWN_ADDRESS
    this.#forget(oldest.value)
    oldest.value.destroy()
    this.#options.onRefused({ reason: 'waiting-evicted', remoteAddress: address })
  }

  #forget(socket: Socket): void {
    this.#waiting.delete(socket)
    const address = this.#counted.get(socket)
    if (address === undefined) return
    this.#counted.delete(socket)
    const held = (this.#perAddress.get(address) ?? 1) - 1
    if (held <= 0) this.#perAddress.delete(address)
    else this.#perAddress.set(address, held)
  }
}

/**
 * A default waiting pool: `share` of the open-files limit (so waiting sockets of every listener together stay
 * well below it), `fallback` where the limit is unknown.
 */
export function waitingPoolFor(openFilesLimit: number | undefined, share: number, fallback: number): number {
  return openFilesLimit === undefined ? fallback : Math.max(16, Math.floor(openFilesLimit * share))
}
