import type { EventEmitter } from 'node:events'
import aedesPersistenceRedis from 'aedes-persistence-redis'
import type { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import type { Logger } from '../../lib/log.ts'
import type { BrokerBackends } from '../backends.ts'
import { dropMovedClientsWills } from './moved-client-wills.ts'
import type { RedisSettings } from './redis-config.ts'
import { RedisLink } from './redis-link.ts'

/** mqemitter-redis's emitter with what its types leave out: `state`, where it re-emits connection errors. */
type RedisEmitter = ReturnType<typeof mqemitterRedis> & { state: EventEmitter }
type EmitterOptions = { pubConn: Redis; subConn: Redis; matchEmptyLevels: boolean }

/** The emitter, or its prefixing variant (channels `<prefix><topic>`; exported by the package without a type). */
function createEmitter(prefix: string | undefined, options: EmitterOptions): RedisEmitter {
  const { MQEmitterRedisPrefix } = mqemitterRedis as unknown as {
    MQEmitterRedisPrefix: new (prefix: string, options: EmitterOptions) => RedisEmitter
  }
  return prefix === undefined ? (mqemitterRedis(options) as RedisEmitter) : new MQEmitterRedisPrefix(prefix, options)
}

/**
 * aedes closes its emitter last. mqemitter-redis' own close QUITs both connections and waits for their 'end', which
 * ioredis never emits for a connection waiting to reconnect (Redis away): the broker would never finish closing, and
 * the QUIT it drops would reject unhandled. Here the link closes the connections (never waiting for Redis), then the
 * emitter closes as mqemitter does (its `_close`).
 */
function closeThroughLink(mq: RedisEmitter, link: RedisLink): void {
  const emitter = mq as RedisEmitter & { closing: boolean; _close(done: () => void): void }
  mq.close = (done) => {
    emitter.closing = true // mqemitter-redis then stops re-emitting connection errors
    void link.close().then(() => emitter._close(done))
  }
}

/**
 * The backends of a broker in a cluster (broker/README.md, "The broker as a cluster"): aedes-persistence-redis
 * (sessions, subscriptions, retained messages, queued messages, wills) and mqemitter-redis (every publish reaches
 * every broker) on one Redis, over three connections that must all be ready within `startupTimeoutMs`, else a
 * StartupError. `keyPrefix` prefixes the persistence's keys (ioredis) and the emitter's channels. Closing the
 * emitter (aedes does it last) closes every connection; `close` makes sure of it.
 */
export function redisBackends(
  settings: RedisSettings,
  options: { log: Logger; startupTimeoutMs: number },
): () => Promise<BrokerBackends> {
  return async () => {
    const link = new RedisLink(settings, options.log)
    const prefix = settings.keyPrefix
    const conn = link.open('persistence', prefix === undefined ? {} : { keyPrefix: prefix })
    const emitterOptions = {
      pubConn: link.open('publish'),
      subConn: link.open('subscribe'),
      matchEmptyLevels: true, // [MQTT-4.7.1-3], as aedes' own in-memory emitter
    }
    await link.ready(options.startupTimeoutMs)
    options.log
      .child({ module: 'broker/cluster' })
      .info({ redis: settings.where, keyPrefix: prefix }, 'sessions, retained messages and routing shared on redis')
    const mq = createEmitter(prefix, emitterOptions)
    // RedisLink logs connection errors; without a listener, the ones mqemitter-redis re-emits here would throw.
    mq.state.on('error', () => {})
    closeThroughLink(mq, link)
    const persistence = aedesPersistenceRedis({ conn })
    const attach = dropMovedClientsWills(mq, { keys: conn, store: persistence, log: options.log })
    return {
      persistence,
      mq,
      ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
      attach,
      health: () => link.health(),
      // The persistence's own destroy() unsubscribes through the emitter first, which waits for ever with Redis away.
      close: () => link.close(),
    }
  }
}
