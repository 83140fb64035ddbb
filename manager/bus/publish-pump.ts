import type { Logger } from '../../lib/log.ts'
import type { PublishOptions } from '../ports/outbound.ts'
import { Outbox, type OutboxEntry } from './outbox.ts'

/** Hands one publication to the transport; `done` once it is acknowledged (or failed). */
export type SendFn = (entry: OutboxEntry, done: (err?: Error | null) => void) => void

/**
 * The Outbox plus a window of unacknowledged publications, shared by both buses: `push` queues, `pump` sends
 * while the transport is open and fewer than `window` wait for their acknowledgement. `reset` starts a new
 * epoch (a new connection): acknowledgements of an earlier one no longer count against the window. After
 * `close` nothing is sent and a `push` is dropped (and said).
 */
export class PublishPump {
  readonly #outbox = new Outbox()
  readonly #window: number
  readonly #send: SendFn
  readonly #open: () => boolean
  readonly #log: Logger
  #inFlight = 0
  #epoch = 0
  #closed = false

  constructor(options: { window: number; send: SendFn; open: () => boolean; log: Logger }) {
    this.#window = options.window
    this.#send = options.send
    this.#open = options.open
    this.#log = options.log
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Queues a publication and sends what the window allows. Bound: the buses hand it out as their `publish`. */
  readonly push = (topic: string, payload: Buffer, options: PublishOptions): void => {
    if (this.#closed) {
      this.#log.warn({ topic }, 'publish dropped: the bus is closing')
      return
    }
    this.#outbox.push({ topic, payload, options })
    this.pump()
  }

  pump(): void {
    while (!this.#closed && this.#open() && this.#inFlight < this.#window) {
      const entry = this.#outbox.shift()
      if (entry === undefined) return
      const sentIn = this.#epoch
      this.#inFlight++
      this.#send(entry, (err) => {
        if (err) this.#log.warn({ err: { message: err.message }, topic: entry.topic }, 'publish failed')
        if (sentIn !== this.#epoch) return
        this.#inFlight--
        this.pump()
      })
    }
  }

  /** Stops sending; unless `force`, first hands over what the window allows. */
  close(force: boolean): void {
    if (!force) this.pump()
    this.#closed = true
  }

  reset(): void {
    this.#epoch++
    this.#inFlight = 0
  }
}
