import type { ServerResponse } from 'node:http'

/** Why a stream ended: the client went away, it read too slowly, or the server is closing. */
export type StreamEnd = 'client' | 'slow-reader' | 'shutdown'

export interface SseStreamOptions {
  /** Unsent bytes (Node's buffer of the response) beyond which the reader is cut off. */
  maxBufferedBytes: number
  heartbeatMs: number
  retryMs: number
  /** The comment's id line: where a reconnect should resume when nothing was sent for a while. */
  heartbeatId: () => string
  /** Runs once, whatever ended the stream. */
  onEnd: (reason: StreamEnd) => void
}

/**
 * A text/event-stream response written straight to Node's response (a few lines; @fastify/sse waits for `drain`
 * on every send, which a fan-out from the write path must never do). Writes never wait: a reader whose unsent bytes
 * pass `maxBufferedBytes` is cut off at once (its EventSource reconnects with Last-Event-ID), so a slow client holds
 * a bounded amount of memory and never slows the others. A heartbeat comment keeps an idle stream's socket busy
 * (proxies, the API's idle timeout) and moves the resume id on (`id:` with no data dispatches no event).
 */
export class SseStream {
  readonly #raw: ServerResponse
  readonly #options: SseStreamOptions
  readonly #heartbeat: NodeJS.Timeout
  #ended = false

  constructor(raw: ServerResponse, options: SseStreamOptions) {
    this.#raw = raw
    this.#options = options
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Each stream is the last response on its connection: nothing waits on the socket after it.
      connection: 'close',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    })
    raw.once('close', () => this.#finish('client'))
    // Gone before the stream started (its 'close' has fired already).
    if (raw.socket?.destroyed !== false) queueMicrotask(() => this.#finish('client'))
    this.#heartbeat = setInterval(
      () => this.write(`: heartbeat\nid: ${options.heartbeatId()}\n\n`),
      options.heartbeatMs,
    )
    this.write(`retry: ${options.retryMs}\n\n`)
  }

  get ended(): boolean {
    return this.#ended
  }

  /** Writes `text`, unless ended; cuts off a reader that fell `maxBufferedBytes` behind. */
  write(text: string): void {
    if (this.#ended) return
    this.#raw.write(text)
    if (this.#raw.writableLength > this.#options.maxBufferedBytes) {
      this.#finish('slow-reader')
      // Its buffer is full: ending politely would wait for it. The client resumes by Last-Event-ID.
      this.#raw.destroy()
    }
  }

  /**
   * The server closes: ends the response (the connection closes with it); a reader with bytes still unsent is
   * dropped instead, so closing never waits for it.
   */
  end(): void {
    if (this.#ended) return
    this.#finish('shutdown')
    this.#raw.end()
    if (this.#raw.writableLength > 0) this.#raw.destroy()
  }

  #finish(reason: StreamEnd): void {
    if (this.#ended) return
    this.#ended = true
    clearInterval(this.#heartbeat)
    this.#options.onEnd(reason)
  }
}
