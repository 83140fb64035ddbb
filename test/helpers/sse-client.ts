import type { ExecutionContext } from 'ava'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** One dispatched event (eventsource-parser: `event` is undefined for unnamed ones). */
export type SseEvent = EventSourceMessage

/** What a stream request answered: the status, headers and, for a 200, the parsed stream. */
export interface SseAnswer {
  status: number
  headers: Headers
  /** The body of a refusal (JSON text); '' for a stream. */
  text: string
  stream: SseClient | null
}

interface Waiter {
  from: number
  match: (event: SseEvent) => boolean
  resolve: (event: SseEvent) => void
}

/**
 * A Server-Sent Events reader over fetch's body stream, parsed with eventsource-parser. It keeps every event,
 * comment and byte received, and lets a test wait for an event (by predicate, with a timeout) or the end of the
 * stream. Closed in t.teardown.
 */
export class SseClient {
  readonly events: SseEvent[] = []
  readonly comments: string[] = []
  /** Everything received, as text. */
  raw = ''
  retry: number | undefined
  /** Resolves when the server ends the stream (or the connection breaks). */
  readonly ended: Promise<void>
  readonly #abort: AbortController
  readonly #waiters = new Set<Waiter>()
  readonly #checks = new Set<() => void>()

  constructor(body: ReadableStream<Uint8Array>, abort: AbortController) {
    this.#abort = abort
    const parser = createParser({
      onEvent: (event) => this.#received(event),
      onComment: (comment) => {
        this.comments.push(comment)
        for (const check of [...this.#checks]) check()
      },
      onRetry: (retry) => (this.retry = retry),
    })
    this.ended = (async () => {
      const decoder = new TextDecoder()
      const reader = body.getReader()
      try {
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          const text = decoder.decode(read.value, { stream: true })
          this.raw += text
          parser.feed(text)
        }
      } catch {
        // aborted, or the server dropped the connection: both end the stream
      }
    })()
  }

  static async open(
    t: ExecutionContext,
    url: string,
    { token, headers = {} }: { token?: string; headers?: Record<string, string> } = {},
  ): Promise<SseAnswer> {
    const abort = new AbortController()
    t.teardown(() => abort.abort())
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      signal: abort.signal,
    })
    if (response.status !== 200 || response.body === null)
      return { status: response.status, headers: response.headers, text: await response.text(), stream: null }
    return { status: 200, headers: response.headers, text: '', stream: new SseClient(response.body, abort) }
  }

  /** The first event from index `from` on that matches (already received, or the next to come). */
  next(match: (event: SseEvent) => boolean, { from = 0, timeoutMs = 30_000 } = {}): Promise<SseEvent> {
    const found = this.events.slice(from).find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { from, match, resolve }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`no matching event within ${timeoutMs} ms; received: ${this.#summary()}`))
      }, timeoutMs)
      waiter.resolve = (event) => {
        clearTimeout(timer)
        resolve(event)
      }
      this.#waiters.add(waiter)
    })
  }

  /** Resolves once `check()` holds, tested after every event and comment received. */
  until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (!check()) return
        this.#checks.delete(done)
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#checks.delete(done)
        reject(new Error(`${what}: not within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#checks.add(done)
    })
  }

  /** The next event named `name` from index `from`. */
  named(name: string, from = 0): Promise<SseEvent> {
    return this.next((event) => event.event === name, { from })
  }

  close(): void {
    this.#abort.abort()
  }

  #received(event: SseEvent): void {
    this.events.push(event)
    for (const check of [...this.#checks]) check()
    const index = this.events.length - 1
    for (const waiter of [...this.#waiters])
      if (index >= waiter.from && waiter.match(event)) {
        this.#waiters.delete(waiter)
        waiter.resolve(event)
      }
  }

  #summary(): string {
    const last = this.events.slice(-5).map((event) => `${event.event ?? 'message'}#${event.id ?? ''}`)
    return `${this.events.length} events${last.length > 0 ? `, the last: ${last.join(', ')}` : ''}`
  }
}

/** Rejects when `promise` does not settle within `timeoutMs` (a stream that should end, a close that should not hang). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
