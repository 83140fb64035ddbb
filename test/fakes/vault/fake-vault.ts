import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { listenOn, listenRestartable } from '../../../manager/demo/simulated-dmt/restartable-port.ts'
import { healthAnswer } from './vault-health.ts'
import { FakeKv, type KvAnswer } from './vault-kv.ts'
import { FakeTokens, type AppRoleConfig, type KubernetesRoleConfig } from './vault-tokens.ts'

/**
 * A stand-in for HashiCorp Vault on 127.0.0.1, implementing exactly the endpoints the manager's node-vault
 * adapter calls, with Vault's paths, headers (X-Vault-Token), bodies and status codes:
 *   GET|POST|PUT|DELETE /v1/<mount>/data/<path>   KV v2 read (?version=N) / write (options.cas) / soft delete
 *   GET|POST|DELETE /v1/<mount>/metadata/<path>   KV v2 versions and max_versions / delete of every version
 *   POST /v1/<mount>/delete|undelete|destroy/<path>, POST /v1/<mount>/config (max_versions): vault-kv.ts
 *   POST /v1/auth/approle/login, POST /v1/auth/kubernetes/login
 *   GET /v1/auth/token/lookup-self, POST /v1/auth/token/renew-self
 *   GET|HEAD /v1/sys/health[?standbyok=true]      unauthenticated health, as RPS and MPS poll it (vault-health.ts)
 * Errors are `{"errors":[...]}`: 403 permission denied (no, unknown or expired token), 404 `{"errors":[]}` for a
 * missing secret, 400 for invalid requests, 503 "Vault is sealed". Fault switches: down (connection refused),
 * reset (connections closed at once), slow (requests held until released), status (5xx for N requests), sealed.
 */

export type Fault =
  | { kind: 'down' }
  | { kind: 'reset' }
  | { kind: 'slow' }
  | { kind: 'sealed' }
  | { kind: 'status'; status: number; times?: number }

export interface FakeVaultOptions {
  /** KV v2 mounts, default ['secret']. */
  mounts?: string[]
  approle?: AppRoleConfig
  kubernetes?: KubernetesRoleConfig
}

export interface RecordedRequest {
  method: string
  path: string
  /** The X-Vault-Token header as sent (tests compare it with issued tokens). */
  token: string | undefined
  /** The query string as sent ('' or e.g. '?version=2'). */
  query: string
}

const errors = (...texts: string[]) => ({ errors: texts })

export class FakeVault {
  readonly kv = new FakeKv()
  readonly auth = new FakeTokens()
  readonly requests: RecordedRequest[] = []
  readonly #options: FakeVaultOptions
  readonly #mounts: Set<string>
  readonly #server = createServer((req, res) => {
    this.#handle(req, res).catch(() => res.destroy())
  })
  readonly #sockets = new Set<Socket>()
  readonly #held: Array<() => void> = []
  readonly #waiters: Array<{ match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }> = []
  #fault: Fault | null = null
  #port = 0
  readonly #startedAt = Date.now()

  private constructor(options: FakeVaultOptions) {
    this.#options = options
    this.#mounts = new Set(options.mounts ?? ['secret'])
    this.#server.on('connection', (socket) => {
      if (this.#fault?.kind === 'reset') return void socket.destroy()
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
  }

  static async start(options: FakeVaultOptions = {}): Promise<FakeVault> {
    const vault = new FakeVault(options)
    await vault.#listen(0)
    return vault
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** A token as `vault token create` makes it (ttl 0: never expires, like a root token). */
  issueToken(options: { ttlSeconds?: number; renewable?: boolean } = {}): string {
    return this.auth.issue(options).id
  }

  /** Sets (or clears, with null) a fault. Clearing `down` listens again on the same port; clearing `slow` releases. */
  async setFault(fault: Fault | null): Promise<void> {
    const previous = this.#fault
    this.#fault = fault
    if (fault?.kind === 'down' && previous?.kind !== 'down') await this.#stopListening()
    if (fault?.kind !== 'down' && previous?.kind === 'down') await this.#listen(this.#port)
    if (fault?.kind !== 'slow') this.release()
    if (fault?.kind === 'reset') for (const socket of this.#sockets) socket.destroy()
  }

  /** Answers every held (slow) request. */
  release(): void {
    for (const answer of this.#held.splice(0)) answer()
  }

  /** Resolves with the next request that matches (already recorded ones do not count). */
  nextRequest(match: (request: RecordedRequest) => boolean = () => true): Promise<RecordedRequest> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }))
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length
  }

  async close(): Promise<void> {
    this.#fault = null
    this.release()
    await this.#stopListening()
  }

  /** Port 0: a port outside the ephemeral range, so `down` and back always gets the same one (restartable-port.ts). */
  async #listen(port: number): Promise<void> {
    if (port === 0) this.#port = await listenRestartable(this.#server)
    else await listenOn(this.#server, port)
  }

  async #stopListening(): Promise<void> {
    if (!this.#server.listening) return
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    this.#server.closeAllConnections()
    await closed
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://vault')
    const path = url.pathname
    const token = headerOf(req, 'x-vault-token')
    const record: RecordedRequest = { method: req.method ?? 'GET', path, token, query: url.search }
    this.requests.push(record)
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.match(record)) waiter.resolve(record)
      else this.#waiters.push(waiter)
    }
    const text = await readBody(req)
    if (this.#fault?.kind === 'slow') await new Promise<void>((resolve) => this.#held.push(resolve))
    const health = (record.method === 'GET' || record.method === 'HEAD') && path === '/v1/sys/health'
    const sealed = this.#fault?.kind === 'sealed'
    const answer =
      (health && sealed ? healthAnswer(url.searchParams, true, this.#startedAt) : undefined) ??
      this.#faultAnswer() ??
      (health ? healthAnswer(url.searchParams, false, this.#startedAt) : this.#route(record, url.searchParams, text))
    const body = answer.body === undefined ? '' : JSON.stringify(answer.body)
    res.writeHead(
      answer.status,
      answer.body === undefined ? {} : { 'content-type': 'application/json', 'cache-control': 'no-store' },
    )
    res.end(body)
  }

  #faultAnswer(): KvAnswer | undefined {
    const fault = this.#fault
    if (fault?.kind === 'sealed') return { status: 503, body: errors('Vault is sealed') }
    if (fault?.kind !== 'status') return undefined
    if (fault.times !== undefined && --fault.times <= 0) this.#fault = null
    return { status: fault.status, body: errors('internal error') }
  }

  #route({ method, path, token }: RecordedRequest, query: URLSearchParams, text: string): KvAnswer {
    let body: unknown = null
    if (text.length > 0) {
      try {
        body = JSON.parse(text)
      } catch {
        return { status: 400, body: errors('failed to parse JSON input') }
      }
    }
    const route = `${method} ${path}`
    if (route === 'POST /v1/auth/approle/login' || route === 'PUT /v1/auth/approle/login')
      return this.auth.approleLogin(body, this.#options.approle)
    if (route === 'POST /v1/auth/kubernetes/login' || route === 'PUT /v1/auth/kubernetes/login')
      return this.auth.kubernetesLogin(body, this.#options.kubernetes)
    if (route === 'GET /v1/auth/token/lookup-self') return this.auth.lookupSelf(token)
    if (route === 'POST /v1/auth/token/renew-self' || route === 'PUT /v1/auth/token/renew-self')
      return this.auth.renewSelf(token, body)
    if (!this.auth.valid(token)) return { status: 403, body: errors('permission denied') }
    const config = /^\/v1\/(.+?)\/config$/.exec(path)
    if (config && this.#mounts.has(config[1] ?? '') && (method === 'POST' || method === 'PUT'))
      return this.kv.writeConfig(config[1] ?? '', body)
    const kv = /^\/v1\/(.+?)\/(data|metadata|delete|undelete|destroy)\/(.+)$/.exec(path)
    const [, mount = '', area, secretPath = ''] = kv ?? []
    if (!kv || !this.#mounts.has(mount))
      return { status: 404, body: errors(`no handler for route "${path.slice(4)}". route entry not found.`) }
    const key = `${mount}/${secretPath}`
    const write = method === 'POST' || method === 'PUT'
    if (area === 'data' && method === 'GET') return this.kv.read(key, query)
    if (area === 'data' && write) return this.kv.write(key, body)
    if (area === 'data' && method === 'DELETE') return this.kv.softDelete(key)
    if (area === 'metadata' && method === 'GET') return this.kv.readMetadata(key)
    if (area === 'metadata' && write) return this.kv.writeMetadata(key, body)
    if (area === 'metadata' && method === 'DELETE') return this.kv.deleteMetadata(key)
    if (area === 'delete' && write) return this.kv.deleteVersions(key, body)
    if (area === 'undelete' && write) return this.kv.undeleteVersions(key, body)
    if (area === 'destroy' && write) return this.kv.destroyVersions(key, body)
    return { status: 405, body: errors('unsupported operation') }
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
