import pg from 'pg'
import { backoffDelay, sleep, type BackoffOptions } from '../../lib/backoff.ts'
import type { Logger } from '../../lib/log.ts'

export interface PostgresListenerOptions {
  /** A dedicated connection's settings (postgresConnection): LISTEN holds its session, so never a pooled one. */
  connection: pg.ClientConfig
  /** A plain lower-case identifier (it is put into `LISTEN` as is). */
  channel: string
  /** A notification's payload; must not throw (a throw is logged). */
  onNotification: (payload: string) => void
  /**
   * LISTEN took effect (true) or its connection was lost (false): what was notified until the next true is lost
   * for this listener (PostgreSQL keeps no notification for a session that is not there).
   */
  onListening: (listening: boolean) => void
  /** Between reconnection attempts; default 250 ms doubling up to 10 s, with jitter. */
  backoff?: BackoffOptions
  /** A round trip on the connection this often, so a connection cut off silently is noticed; default 10 s. */
  pingMs?: number
  log?: Logger
}

export interface PostgresListener {
  /** Whether LISTEN is in effect now. */
  readonly listening: boolean
  /** Closes the connection and stops reconnecting. */
  stop(): Promise<void>
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 }

/**
 * LISTEN on one connection of its own (a `pg` Client, not from the pool), kept open: when it fails (the server
 * restarted, the backend was terminated, a ping got no answer) it is closed and opened again with backoff, and
 * LISTEN sent again. Errors are logged (the first of a series at warn), never thrown.
 */
export function startPostgresListener(options: PostgresListenerOptions): PostgresListener {
  const { channel, log } = options
  if (!CHANNEL.test(channel)) throw new TypeError(`not a plain channel name: ${channel}`)
  const pingMs = options.pingMs ?? 10_000
  const stopping = new AbortController()
  let listening = false
  let client: pg.Client | null = null
  let failing = false

  const session = async (): Promise<void> => {
    const current = new pg.Client({ ...options.connection, query_timeout: pingMs })
    client = current
    const lost = new Promise<unknown>((resolve) => {
      current.on('error', resolve)
      current.on('end', () => resolve(new Error('the connection ended')))
    })
    current.on('notification', ({ channel: from, payload }) => {
      if (from !== channel || payload === undefined) return
      try {
        options.onNotification(payload)
      } catch (err) {
        log?.error({ err }, 'a notification could not be handled')
      }
    })
    try {
      await current.connect()
      await current.query(`LISTEN ${channel}`)
      if (stopping.signal.aborted) return
      if (failing) log?.info({ channel }, 'listening again')
      failing = false
      listening = true
      options.onListening(true)
      const ping = setInterval(() => {
        current.query('SELECT 1').catch((err: unknown) => current.emit('error', err))
      }, pingMs)
      const reason = await Promise.race([lost, abortedOf(stopping.signal)])
      clearInterval(ping)
      if (!stopping.signal.aborted) throw reason
    } finally {
      if (listening) {
        listening = false
        options.onListening(false)
      }
      client = null
      await current.end().catch(() => undefined)
    }
  }

  const run = async (): Promise<void> => {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      const started = Date.now()
      try {
        await session()
      } catch (err) {
        if (stopping.signal.aborted) break
        const message = err instanceof Error ? err.message : String(err)
        if (failing) log?.debug({ err: message, channel }, 'LISTEN connection failed again')
        else log?.warn({ err: message, channel }, 'LISTEN connection failed; reconnecting')
        failing = true
      }
      // A session that lasted is a fresh start: the next delay is the shortest again.
      if (Date.now() - started > (options.backoff ?? DEFAULT_BACKOFF).maxMs) attempt = 0
      await sleep(backoffDelay(attempt, options.backoff ?? DEFAULT_BACKOFF), stopping.signal).catch(() => undefined)
    }
  }
  const running = run()

  return {
    get listening() {
      return listening
    },
    async stop() {
      stopping.abort(new Error('stopped'))
      await client?.end().catch(() => undefined)
      await running
    },
  }
}

const abortedOf = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
