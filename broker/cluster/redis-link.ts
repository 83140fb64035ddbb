import { Redis } from 'ioredis'
import type { Logger } from '../../lib/log.ts'
import { SERVICE_EXIT, StartupError } from '../../lib/service-exit.ts'
import type { RedisSettings } from './redis-config.ts'

/** The shared state's connection as the metrics read it (broker/metrics.ts). */
export interface SharedStateHealth {
  /** Every Redis connection is ready. */
  connected: boolean
  /** Times a ready connection was lost since start. */
  disconnects: number
}

type Role = 'persistence' | 'publish' | 'subscribe'

/**
 * Redis closes a pub/sub connection whose unread output passes `client-output-buffer-limit pubsub` (32 MB, or 8 MB
 * for 60 s, by default): an instance that falls behind the fleet's messages loses its subscription that way, and what
 * Redis routed meanwhile is lost to it (pub/sub keeps nothing). Seen in the 100 000-node benchmark.
 */
const SUBSCRIBER_CLOSED_HINT =
  'messages routed while it is down are lost to this instance; if Redis closed it for falling behind, raise ' +
  'client-output-buffer-limit pubsub (docs/deployment.md, "Broker cluster")'

/**
 * The broker's connections to Redis (one per role: aedes-persistence-redis, mqemitter-redis's publish and
 * subscribe), opened with one set of options and watched: a lost connection is logged once (warn) and counted, its
 * return logged (info); ioredis reconnects by itself (backoff up to 2 s) and re-subscribes. The password is given
 * to ioredis only; errors are logged by their message (ioredis never puts the password in one).
 */
export class RedisLink {
  readonly #settings: RedisSettings
  readonly #log: Logger
  readonly #connections = new Map<Role, Redis>()
  readonly #lost = new Set<Role>()
  #disconnects = 0
  #lastError = ''
  #closing = false

  constructor(settings: RedisSettings, log: Logger) {
    this.#settings = settings
    this.#log = log.child({ module: 'broker/cluster', redis: settings.where })
  }

  open(role: Role, options: { keyPrefix?: string } = {}): Redis {
    const password = this.#settings.password?.reveal()
    const connection = new Redis({
      ...this.#settings.connection,
      ...(password === undefined ? {} : { password }),
      ...options,
      connectionName: `amt-broker:${role}`,
      // ioredis' own backoff (up to 2 s); none once closing
      retryStrategy: (attempt: number) => (this.#closing ? null : Math.min(attempt * 50, 2000)),
    })
    let wasReady = false
    connection.on('error', (err: Error) => {
      if (this.#lastError !== err.message) this.#log.debug({ role, reason: err.message }, 'redis connection error')
      this.#lastError = err.message
    })
    connection.on('ready', () => {
      wasReady = true
      if (this.#lost.delete(role)) this.#log.info({ role }, 'redis connection back')
    })
    // 'reconnecting', not 'close': a connection closed on purpose (aedes closing mqemitter-redis) does not reconnect.
    connection.on('reconnecting', () => {
      if (this.#closing || !wasReady || this.#lost.has(role)) return
      this.#lost.add(role)
      this.#disconnects++
      this.#log.warn(
        role === 'subscribe' ? { role, hint: SUBSCRIBER_CLOSED_HINT } : { role },
        'redis connection lost: reconnecting (shared sessions and routing wait for it)',
      )
    })
    handleEveryReply(connection, (reason) => this.#log.debug({ role, reason }, 'a redis command failed'))
    this.#connections.set(role, connection)
    return connection
  }

  /** Resolves once every connection is ready; a StartupError after `timeoutMs` (and every connection closed). */
  async ready(timeoutMs: number): Promise<void> {
    const waiting = [...this.#connections.values()].map((connection) =>
      connection.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => connection.once('ready', resolve)),
    )
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
    const ready = await Promise.race([Promise.all(waiting).then(() => true), timedOut])
    clearTimeout(timer)
    if (ready) return
    await this.close()
    const reason = this.#lastError === '' ? 'no answer' : this.#lastError
    throw new StartupError(
      `Redis at ${this.#settings.where} did not become ready within ${timeoutMs} ms (startup.timeoutMs): ${reason}`,
      [],
      SERVICE_EXIT.FATAL,
    )
  }

  health(): SharedStateHealth {
    const connected = [...this.#connections.values()].every((connection) => connection.status === 'ready')
    return { connected, disconnects: this.#disconnects }
  }

  /**
   * QUIT on every ready connection; one that is not (Redis away) is disconnected: it stops reconnecting and what is
   * queued on it stays unanswered, which nothing waits for once the broker closes. Never waits for Redis. Idempotent.
   */
  async close(): Promise<void> {
    this.#closing = true
    await Promise.all(
      [...this.#connections.values()].map(async (connection) => {
        if (connection.status === 'end') return
        if (connection.status !== 'ready') return connection.disconnect()
        await connection.quit().catch(() => connection.disconnect())
      }),
    )
  }
}

/**
 * aedes-persistence-redis sends some commands without awaiting them (putWill's and delWill's LREM and RPUSH, a
 * stale key's LREM): with Redis away, or the connection closed, their rejection would be unhandled, and an unhandled
 * rejection stops the service (lib/service-lifecycle.ts). So every command's reply gets a handler here; a caller that
 * awaits it still sees the rejection.
 */
function handleEveryReply(connection: Redis, failed: (reason: string) => void): void {
  const send = connection.sendCommand.bind(connection)
  connection.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
    const reply = send(...args)
    if (reply instanceof Promise)
      reply.catch((err: unknown) => failed(err instanceof Error ? err.message : String(err)))
    return reply
  }
}
