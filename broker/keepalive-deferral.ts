import type { Client } from 'aedes'
import type { StatsCounters } from './stats.ts'

/** Why an expired keepalive was re-armed rather than closing the connection (`keepaliveDeferred` counter). */
type KeepaliveDeferral = 'unread-bytes' | 'handling'

/** The connection aedes reads a client's packets from (a socket, a TLS socket, a WebSocket stream). */
interface ReadSide {
  readonly readableLength: number
  readonly readableHighWaterMark: number
}

/**
 * What this module reads and replaces of an aedes 1.2 client (lib/client.js, lib/handlers/connect.js and
 * index.js; none of it in aedes' types). test/broker/keepalive-deferral.test.ts fails when aedes changes it.
 */
interface AedesClientInternals {
  readonly closed: boolean
  readonly conn: ReadSide
  readonly broker: { emit(event: 'keepaliveTimeout', client: Client): boolean }
  emit(event: 'error', err: Error): boolean
  /** 1.5 × the CONNECT's keep alive, in ms (+1); set just before the timer is. */
  readonly _keepaliveInterval: number
  /** Assigned by the CONNECT's `setKeepAlive`; `refresh()`ed by every packet whose handling begins; cleared at close. */
  _keepaliveTimer: NodeJS.Timeout | null
  /** Packets read whose handling has not ended (each 'readable' event lowers it too); aedes reads again at 0. */
  readonly _parsingBatch: number
}

/**
 * MQTT-3.1.2-24: the server disconnects a client from which it has not *received* a control packet within 1.5 ×
 * its keep alive. aedes restarts that timer when it *begins handling* a packet, and reads a client's connection
 * again only when the packets of its last read have been handled (`nextBatch`). A packet that waits on the store
 * (a retained PUBLISH waits for its Redis write) therefore leaves every later packet of that client unread — its
 * PINGREQs included — and the timer expires although the client keeps talking: at 100 000 nodes a broker behind
 * Redis closed the manager's connection and ~1 900 devices so (docs/benchmarks.md, fourth attempt).
 *
 * This takes over the client's timer (the same period, the same refreshes by aedes) and, when it expires, looks
 * at what the broker holds of the client before closing. It re-arms the timer for another period when, since the
 * timer was last armed:
 * - `unread-bytes`: bytes arrived in the connection's read buffer that aedes has not read yet (or the buffer is
 *   full, so more may wait in the kernel): the client sent something; the broker is behind, not the client;
 * - `handling`: packets of the client are still in handling and the broker finished some of them: it is working
 *   through the client's backlog (mqtt.js pings a keep alive after the last acknowledgement it received, so a
 *   client whose acknowledgements are still queued behind the broker's deliveries to it may not have pinged yet).
 * Otherwise it closes the connection exactly as aedes does (`keepaliveTimeout` event, `keep alive timeout` error).
 * Every deferral needs something new in its period, so a client that sent nothing — a dead peer behind a handling
 * that never ends included — is closed one period after the last such sign. Before judging, one turn of the event
 * loop's poll phase lets bytes that reached the kernel while the loop was busy get to the stream (or to aedes).
 */
export function deferKeepaliveWhileBehind(client: Client, stats: StatsCounters): void {
  const internals = client as unknown as AedesClientInternals
  let watch: KeepaliveWatch | undefined
  let untouched: NodeJS.Timeout | null = null // aedes' own timer, kept if its period cannot be read
  Object.defineProperty(internals, '_keepaliveTimer', {
    configurable: true,
    enumerable: true,
    get: () => watch?.timer ?? untouched,
    set: (timer: NodeJS.Timeout | null) => {
      watch?.stop()
      watch = undefined
      untouched = timer
      if (timer === null || !(internals._keepaliveInterval > 0)) return
      clearTimeout(timer) // replaced by one of the same period
      untouched = null
      watch = new KeepaliveWatch(client, internals, stats)
    },
  })
}

/** One client's keepalive timer and what the broker held of the client when it was last armed. */
class KeepaliveWatch {
  readonly timer: NodeJS.Timeout
  readonly #client: Client
  readonly #internals: AedesClientInternals
  readonly #stats: StatsCounters
  #bytesSeen = 0
  #handlingSeen = 0
  #armed = true

  constructor(client: Client, internals: AedesClientInternals, stats: StatsCounters) {
    this.#client = client
    this.#internals = internals
    this.#stats = stats
    this.timer = setTimeout(() => this.#expired(), internals._keepaliveInterval)
    const refresh = this.timer.refresh.bind(this.timer)
    this.timer.refresh = () => {
      this.#arm()
      return refresh()
    }
    this.#arm()
  }

  stop(): void {
    clearTimeout(this.timer)
  }

  #arm(): void {
    this.#armed = true
    this.#bytesSeen = this.#internals.conn.readableLength
    this.#handlingSeen = this.#handling()
  }

  #handling(): number {
    const batch = this.#internals._parsingBatch
    return typeof batch === 'number' ? batch : 0
  }

  #expired(): void {
    this.#armed = false
    setImmediate(() => this.#judge())
  }

  #judge(): void {
    if (this.#internals.closed || this.#armed) return // closed meanwhile, or aedes handled a packet: re-armed
    const reason = this.#behind()
    if (reason !== undefined) {
      this.#stats.count('keepaliveDeferred', reason)
      this.timer.refresh()
      return
    }
    this.#internals.broker.emit('keepaliveTimeout', this.#client)
    this.#internals.emit('error', new Error('keep alive timeout'))
  }

  #behind(): KeepaliveDeferral | undefined {
    const { readableLength, readableHighWaterMark } = this.#internals.conn
    const full = readableLength > 0 && readableLength >= readableHighWaterMark
    if (readableLength !== this.#bytesSeen || full) return 'unread-bytes'
    const handling = this.#handling()
    if (handling > 0 && handling < this.#handlingSeen) return 'handling'
    return undefined
  }
}
