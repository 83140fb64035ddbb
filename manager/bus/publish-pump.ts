import type { PublishOptions } from './outbound.ts'
import { Outbox, type OutboxEntry } from './outbox.ts'

/** Hands one publication to the transport; `done` once it is acknowledged (or failed). */
export type SendFn = (entry: OutboxEntry, done: (err?: Error | null) => void) => void

/**
 * The Outbox plus a window of unacknowledged publications, shared by both buses: `push` queues, `pump` sends
 * while the transport is open and fewer than `window` wait for their acknowledgement. `reset` starts a new
 * epoch (a new connection): acknowledgements of an earlier one no longer count against the window.
 */
export class PublishPump {
  readonly #outbox = new Outbox()
  readonly #window: number
  readonly #send: SendFn
  readonly #open: () => boolean
  readonly #onError: (err: Error, topic: string) => void
  #inFlight = 0
  #epoch = 0

  constructor(options: { window: number; send: SendFn; open: () => boolean; onError: (err: Error, topic: string) => void }) {
    this.#window = options.window
    this.#send = options.send
    this.#open = options.open
    this.#onError = options.onError
  }

  push(topic: string, payload: Buffer, options: PublishOptions): void {
    this.#outbox.push({ topic, payload, options })
    this.pump()
  }

  pump(): void {
    while (this.#open() && this.#inFlight < this.#window) {
      const entry = this.#outbox.shift()
      if (entry === undefined) return
      const sentIn = this.#epoch
      this.#inFlight++
      this.#send(entry, (err) => {
        if (err) this.#onError(err, entry.topic)
        if (sentIn !== this.#epoch) return
        this.#inFlight--
        this.pump()
      })
    }
  }

  reset(): void {
    this.#epoch++
    this.#inFlight = 0
  }
}
