import { Writable } from 'node:stream'

/** Node's own methods, called on a stream with `.call` only (the functions replacing them on the instance delegate). */
// eslint-disable-next-line @typescript-eslint/unbound-method -- called as cork.call(stream)
const cork = Writable.prototype.cork
// eslint-disable-next-line @typescript-eslint/unbound-method -- called as destroy.call(stream, error)
const destroy = Writable.prototype.destroy

/**
 * Coalesces the packets written to one connection in one turn of the event loop into one system call.
 *
 * aedes writes every packet with mqtt-packet's `writeToStream`, which corks the stream, writes the packet's pieces
 * and uncorks it on the next tick: the packets written in one synchronous run (the PUBACKs of every PUBLISH parsed
 * from one read) already leave in one `writev`. But aedes writes each delivery from its own `setImmediate`, and
 * Node drains the tick queue between immediates, so a connection that gets N deliveries in a turn (a subscriber of
 * many messages: the benchmark's, an integrator's, a manager over MQTT) paid N `writev` calls — in bare aedes' profile
 * half of the broker's busy CPU (docs/benchmarks.md).
 *
 * The rule, per connection: the first packet of a turn leaves as before (at the next tick: no added latency for a
 * connection that gets one packet per turn, the common case of a device). A later packet of the same turn, once
 * the first has left, corks the stream once more, and every packet written to it until the coalescer's one
 * `setImmediate` runs leaves in one `writev` then: that immediate is queued at the turn's first write, so it runs in
 * the loop's next check phase at the latest (the I/O polled in between without waiting, immediates being due).
 * Nothing is held longer, and nothing is held on a stream that is destroyed without an error: what was written
 * before leaves first, as it did when each packet left at its own tick.
 *
 * Order: corking only delays the flush of the stream's own buffer, which is FIFO; bytes leave in exactly the order
 * aedes wrote them. So PUBACKs keep the order of the PUBLISHes they acknowledge [MQTT-4.6.0-2], deliveries the order
 * aedes routed them [MQTT-4.6.0-6], and a PUBACK written before a PUBLISH on the same connection (a client subscribed
 * to what it publishes) still precedes it — MQTT does not order the two against each other; we keep aedes' order
 * anyway. No packet can overtake another; only the number of system calls changes.
 *
 * Attached per stream by replacing two methods on the instance (`cork`, which mqtt-packet calls before each
 * packet, and `destroy`) with functions shared by every connection of the broker: no per-connection closure. Only
 * for streams that write several buffers in one call (`_writev`: TCP and TLS sockets); a WebSocket stream writes one
 * frame per buffer whether corked or not, so it is left alone.
 */
export class WriteCoalescer {
  /** Streams that flushed a packet in this turn: their next packet of the turn is held. */
  #written = new Set<Writable>()
  /** Streams holding the coalescer's extra cork until `#release`. */
  #held = new Set<Writable>()
  #scheduled = false

  readonly #release = (): void => {
    this.#scheduled = false
    this.#written.clear()
    const held = this.#held
    this.#held = new Set()
    for (const stream of held) stream.uncork()
  }

  readonly #cork: (this: Writable) => void
  readonly #destroy: (this: Writable, error?: Error) => Writable

  constructor() {
    const startPacket = (stream: Writable): void => this.#startPacket(stream)
    const flush = (stream: Writable): void => this.#flush(stream)
    this.#cork = function coalescedCork(this: Writable): void {
      if (this.writableCorked === 0) startPacket(this)
      cork.call(this)
    }
    this.#destroy = function flushedDestroy(this: Writable, error?: Error): Writable {
      if (error === undefined || error === null) flush(this)
      return destroy.call(this, error)
    }
  }

  /** Coalesces this stream's writes from now on; false (nothing changed) for a stream it does not apply to. */
  attach(stream: Writable): boolean {
    const plain = stream.cork === cork && stream.destroy === destroy
    if (!plain || typeof stream._writev !== 'function') return false
    stream.cork = this.#cork
    stream.destroy = this.#destroy
    return true
  }

  /** A packet starts on a stream with nothing buffered. */
  #startPacket(stream: Writable): void {
    if (this.#written.has(stream)) {
      cork.call(stream) // released by #release, with every later packet of the turn
      this.#held.add(stream)
      return
    }
    this.#written.add(stream)
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(this.#release)
  }

  /** Before a destroy without an error: what the stream holds leaves first (a destroy discards buffered writes). */
  #flush(stream: Writable): void {
    if (!this.#held.delete(stream)) return
    while (stream.writableCorked > 0 && !stream.destroyed) stream.uncork()
  }
}
