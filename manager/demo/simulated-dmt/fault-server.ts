import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { listenOn, listenRestartable } from './restartable-port.ts'

/**
 * A real HTTP server on 127.0.0.1 with a route table and fault switches, shared by the RPS and MPS fakes:
 * - `down()` / `up()`: stop listening (connections are refused) / listen again on the same port;
 * - `slowMs`: every answer waits this long (an aborted request's timer is cleared);
 * - `failNext(n, status)`: the next n requests answer `status` (5xx) with an error body;
 * - `beforeRoute`: a hook run before a routed request is answered (to interleave another writer);
 * - `holdBefore`: holds an arriving request until a promise settles (to make two writers race deterministically).
 * Every request is logged in `requests` (method, path with query, parsed body, answered status) for assertions.
 */

export interface FakeRequest {
  method: string
  path: string
  query: URLSearchParams
  params: Record<string, string>
  body: unknown
}

export interface FakeAnswer {
  status: number
  json?: unknown
  text?: string
  /** Content type of a `text` answer; default text/plain. */
  textType?: string
}

export interface Route {
  method: string
  /** e.g. /api/v1/admin/profiles/:name */
  pattern: string
  handle(request: FakeRequest): FakeAnswer
}

export interface LoggedRequest {
  method: string
  /** With the query string, as received (still percent-encoded). */
  path: string
  body: unknown
  status: number
  /** The Authorization header, when sent. */
  authorization?: string
}

export class FaultServer {
  readonly requests: LoggedRequest[] = []
  /** Delay of every answer in ms (0: none). */
  slowMs = 0
  /**
   * Called with every request as it arrives; a promise returned holds the request (unrouted) until it settles
   * (tests: a barrier that makes two processes read the same state before either writes).
   */
  holdBefore: ((request: { method: string; path: string }) => Promise<void> | undefined) | undefined
  /** Called with every routed request before it is answered (tests: another writer's change just before). */
  beforeRoute: ((request: FakeRequest) => void) | undefined
  readonly #routes: readonly Route[]
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #failures: number[] = []
  #port = 0
  #listening = false

  private constructor(routes: readonly Route[]) {
    this.#routes = routes
    this.#server = createServer((req, res) => this.#receive(req, res))
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
  }

  static async start(routes: readonly Route[]): Promise<FaultServer> {
    const server = new FaultServer(routes)
    await server.up()
    return server
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** The next `count` requests answer `status` (default 503). */
  failNext(count: number, status = 503): void {
    this.#failures.push(...Array.from({ length: count }, () => status))
  }

  /** Requests logged since `mark` (a previous `requests.length`), optionally of one method. */
  since(mark: number, method?: string): LoggedRequest[] {
    return this.requests.slice(mark).filter((request) => method === undefined || request.method === method)
  }

  /** Writes (POST, PATCH, PUT, DELETE) logged since `mark`. */
  writesSince(mark: number): LoggedRequest[] {
    return this.since(mark).filter((request) => request.method !== 'GET')
  }

  /** Listens (again): first on a port outside the ephemeral range (restartable-port.ts), later on the same one. */
  async up(): Promise<void> {
    if (this.#listening) return
    if (this.#port === 0) this.#port = await listenRestartable(this.#server)
    else await listenOn(this.#server, this.#port)
    this.#listening = true
  }

  /** Stops listening and drops open connections: clients get "connection refused" until up(). */
  async down(): Promise<void> {
    if (!this.#listening) return
    this.#listening = false
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    await this.down()
  }

  #receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const hold = this.holdBefore?.({
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://fake').pathname,
      })
      if (hold === undefined) this.#reply(req, res, Buffer.concat(chunks).toString('utf8'))
      else void hold.then(() => this.#reply(req, res, Buffer.concat(chunks).toString('utf8')))
    })
  }

  #reply(req: IncomingMessage, res: ServerResponse, text: string): void {
    const answer = this.#answer(req, text)
    const send = () => {
      if (res.destroyed) return
      const payload = answer.text ?? (answer.json === undefined ? '' : JSON.stringify(answer.json))
      const type =
        answer.text !== undefined
          ? `${answer.textType ?? 'text/plain'}; charset=utf-8`
          : 'application/json; charset=utf-8'
      res.writeHead(answer.status, payload === '' ? {} : { 'content-type': type }).end(payload)
    }
    if (this.slowMs <= 0) return send()
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      send()
    }, this.slowMs)
    this.#timers.add(timer)
    res.once('close', () => {
      clearTimeout(timer)
      this.#timers.delete(timer)
    })
  }

  #answer(req: IncomingMessage, text: string): FakeAnswer {
    const url = new URL(req.url ?? '/', 'http://fake')
    const method = req.method ?? 'GET'
    let body: unknown = null
    let answer: FakeAnswer | undefined
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown
      } catch {
        answer = { status: 400, json: { error: 'Bad Request', message: 'the body is not valid JSON' } }
      }
    }
    const failure = this.#failures.shift()
    if (failure !== undefined)
      answer = { status: failure, json: { error: 'Internal Server Error', message: 'injected fault' } }
    answer ??= this.#route(method, url, body)
    const authorization = req.headers.authorization
    this.requests.push({
      method,
      path: `${url.pathname}${url.search}`,
      body,
      status: answer.status,
      ...(authorization === undefined ? {} : { authorization }),
    })
    return answer
  }

  #route(method: string, url: URL, body: unknown): FakeAnswer {
    const segments = url.pathname.split('/').filter(Boolean)
    for (const route of this.#routes) {
      if (route.method !== method) continue
      const pattern = route.pattern.split('/').filter(Boolean)
      if (pattern.length !== segments.length) continue
      const params: Record<string, string> = {}
      const matches = pattern.every((part, index) => {
        const segment = segments[index] ?? ''
        if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(segment)
        return part.startsWith(':') || part === segment
      })
      if (!matches) continue
      const request = { method, path: url.pathname, query: url.searchParams, params, body }
      this.beforeRoute?.(request)
      return route.handle(request)
    }
    return { status: 404, text: `Cannot ${method} ${url.pathname}` }
  }
}

/** An express-validator style 400: `{ errors: [{ type, value, msg, path, location }] }` (it echoes the value). */
export const validationFailed = (errors: Array<{ path: string; msg: string; value: unknown }>): FakeAnswer => ({
  status: 400,
  json: { errors: errors.map((error) => ({ type: 'field', location: 'body', ...error })) },
})

export const notFound = (message: string): FakeAnswer => ({ status: 404, json: { error: 'Not Found', message } })

/** The fields of a JSON body (an empty object for anything else). */
export const fieldsOf = (body: unknown): Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}

/** $top / $skip paging as RPS does it (default $top 25). */
export function page<T>(items: readonly T[], query: URLSearchParams): T[] {
  const top = Number(query.get('$top') ?? 25)
  const skip = Number(query.get('$skip') ?? 0)
  return items.slice(skip, skip + top)
}
