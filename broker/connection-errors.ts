import type { Aedes, Client } from 'aedes'
import type { Logger } from '../lib/log.ts'
import { clientIdOf, remoteAddressOf } from './connection-info.ts'
import { BrokerRejection } from './rejection.ts'
import type { ConnectionRegistry } from './connection-registry.ts'
import type { StatsCounters } from './stats.ts'

/** Errors a peer causes by going away; not the broker closing anyone. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'])

/** Stable reasons for the errors aedes raises when it closes a connection itself. */
function closeReasonOf(err: Error): string {
  if (err.message === 'connect did not arrive in time') return 'connect-timeout'
  if (err.message === 'drain timeout') return 'drain-timeout'
  if (err.message === 'keep alive timeout') return 'keepalive-timeout'
  if (err.message === 'unacceptable protocol version') return 'unsupported-protocol'
  if (/too many levels/.test(err.message)) return 'too-many-levels'
  // ioredis gave up on a command while a cluster's Redis was away (broker/cluster/redis-link.ts)
  if (err.name === 'MaxRetriesPerRequestError') return 'shared-state-unavailable'
  return 'protocol-error'
}

/**
 * Logs and counts connections aedes closes on errors (garbage bytes, CONNECT timeout, slow consumers).
 * Rejections the broker raised itself (BrokerRejection, or any error on a connection it closed itself) were
 * logged and counted where they were raised.
 */
export function watchConnectionErrors(
  aedes: Aedes,
  { log: parentLog, stats, registry }: { log: Logger; stats: StatsCounters; registry: ConnectionRegistry },
): void {
  const log = parentLog.child({ module: 'broker/connections' })
  // aedes raises an error for every operation that fails on a client, and a client can have several in flight
  // (e.g. each Redis command of a cluster's outage): the connection is closed, and counted, once.
  const counted = new WeakSet<object>()
  const report = (client: Client, err: Error): void => {
    if (err instanceof BrokerRejection || registry.closedByBroker(client.conn)) return
    const fields = { clientId: clientIdOf(client), remoteAddress: remoteAddressOf(client) }
    if (counted.has(client.conn)) {
      log.debug({ ...fields, detail: err.message.slice(0, 200) }, 'further error on a closed connection')
      return
    }
    counted.add(client.conn)
    const code = (err as NodeJS.ErrnoException).code
    if (code !== undefined && PEER_GONE.has(code)) {
      log.debug({ ...fields, code }, 'connection lost')
      return
    }
    const reason = closeReasonOf(err)
    stats.count('connectionsClosed', reason)
    log.warn({ reason, ...fields, detail: err.message.slice(0, 200) }, 'connection closed')
  }
  aedes.on('clientError', report)
  aedes.on('connectionError', report)
}
