import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { EnvelopeSequence, MAX_MESSAGE_BYTES, packEnvelopes, parseEnvelope } from './notify-envelope.ts'
import { startPostgresListener, type PostgresListener } from './postgres-listener.ts'

/** Why messages of other replicas may have been lost. */
export type BroadcastGap = 'reconnected' | 'skipped'

export interface BroadcastHandlers {
  /** One envelope of another replica: its messages, in the order that replica published them. */
  onMessages(messages: readonly unknown[]): void
  /** Messages of other replicas were lost: LISTEN came back after its connection was lost, or a sender's skipped. */
  onGap(reason: BroadcastGap): void
  /** LISTEN is in effect (true) or not (false). */
  onListening(listening: boolean): void
}

export interface PostgresBroadcastOptions {
  /** Where NOTIFY is sent (one statement per flush). */
  pool: pg.Pool
  /** The LISTEN connection's settings (a dedicated connection). */
  connection: pg.ClientConfig
  channel: string
  /** This replica (unique per start): its own notifications come back to it and are skipped. */
  instance: string
  /**
   * Default true: the messages published while a flush is under way go out together, as many per NOTIFY as fit and
   * up to 100 NOTIFYs in one statement. False: one NOTIFY per message, one round trip each (measurements).
   */
  batch?: boolean
  log?: Logger
}

/** Envelopes per statement: ~800 KB of payloads in one round trip. */
const ENVELOPES_PER_STATEMENT = 100
const NOTIFY_MANY = 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS p(payload, i) ORDER BY i'

/**
 * Messages between the replicas over PostgreSQL NOTIFY on one channel (docs/replicas.md): `publish` queues a
 * message (JSON) and the queue is sent on the next turn, packed into envelopes under the 8000-byte payload limit
 * (notify-envelope.ts), several envelopes per statement, one statement at a time (so in order). Each statement
 * commits on its own: a NOTIFY is delivered once it committed. `listen` starts LISTEN on a dedicated connection
 * (postgres-listener.ts) and hands over the other replicas' envelopes; a lost connection or a skipped envelope
 * number is reported as a gap. A failed send is logged and its envelopes are lost, with the rest of that flush:
 * their numbers are skipped, so the receivers learn of it with the sender's next envelope.
 */
export class PostgresBroadcast {
  readonly #options: PostgresBroadcastOptions
  readonly #log: Logger | undefined
  #queue: string[] = []
  #flushing: Promise<void> | null = null
  #sent = 0
  #listener: PostgresListener | null = null

  constructor(options: PostgresBroadcastOptions) {
    if (Buffer.byteLength(JSON.stringify(options.instance)) > 300) throw new TypeError('instance id too long')
    this.#options = options
    this.#log = options.log?.child({ module: 'replica-broadcast', channel: options.channel })
  }

  /**
   * Queues `message` for the other replicas; `fallback` when its JSON text is larger than an envelope can carry
   * (the receivers then read what it names from the database). Never throws.
   */
  publish(message: unknown, fallback: () => unknown): void {
    let text = JSON.stringify(message)
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) text = JSON.stringify(fallback())
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
      this.#log?.error({ bytes: Buffer.byteLength(text) }, 'a message too large for NOTIFY was dropped')
      return
    }
    this.#queue.push(text)
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush())
  }

  /** Resolves when everything published so far was sent (or failed). */
  async idle(): Promise<void> {
    while (this.#flushing !== null) await this.#flushing
  }

  /** Starts LISTEN (once). */
  listen(handlers: BroadcastHandlers): void {
    if (this.#listener !== null) return
    const { channel, instance, connection } = this.#options
    const sequence = new EnvelopeSequence()
    let wasListening = false
    this.#listener = startPostgresListener({
      connection,
      channel,
      ...(this.#log ? { log: this.#log } : {}),
      onListening: (listening) => {
        handlers.onListening(listening)
        if (!listening) return
        sequence.clear()
        if (wasListening) handlers.onGap('reconnected')
        wasListening = true
      },
      onNotification: (payload) => {
        const envelope = parseEnvelope(payload)
        if (envelope === null) {
          this.#log?.warn({ bytes: payload.length }, 'a notification that is no envelope of this version was ignored')
          return
        }
        if (envelope.from === instance) return
        if (sequence.skipped(envelope)) handlers.onGap('skipped')
        handlers.onMessages(envelope.m)
      },
    })
  }

  /** Sends what is queued, then stops listening. */
  async stop(): Promise<void> {
    await this.idle()
    await this.#listener?.stop()
  }

  async #flush(): Promise<void> {
    const { pool, channel, instance, batch = true } = this.#options
    while (this.#queue.length > 0) {
      const messages = this.#queue
      this.#queue = []
      const envelopes = packEnvelopes(instance, messages, () => ++this.#sent, { single: !batch })
      const step = batch ? ENVELOPES_PER_STATEMENT : 1
      for (let at = 0; at < envelopes.length; at += step) {
        const part = envelopes.slice(at, at + step)
        try {
          if (batch) await pool.query(NOTIFY_MANY, [channel, part])
          else await pool.query('SELECT pg_notify($1, $2)', [channel, part[0]])
        } catch (err) {
          // The rest of this flush would wait for the same database: dropped too (their numbers are skipped).
          this.#log?.warn(
            { err: err instanceof Error ? err.message : String(err), envelopes: envelopes.length - at },
            'NOTIFY failed; the other replicas will resync',
          )
          break
        }
      }
    }
    this.#flushing = null
  }
}
