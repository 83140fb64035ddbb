import type { AedesOptions, Client } from 'aedes'
import type { Logger } from '../../lib/log.ts'
import { clientIdOf, remoteAddressOf } from '../connection-info.ts'
import { BrokerRejection, CONNACK_SERVER_UNAVAILABLE } from '../rejection.ts'
import type { StatsCounters } from '../stats.ts'
import type { ConnectRateLimiter } from './connect-rate-limiter.ts'

export interface PreConnectDeps {
  rateLimiter: ConnectRateLimiter
  maxConnections: number
  connectedClients: () => number
  stats: StatsCounters
  log: Logger
}

/** Checks run on CONNECT before any credential work (scrypt is deliberately expensive). */
export function connectLimitRejection(deps: PreConnectDeps, client: Client): BrokerRejection | null {
  if (!deps.rateLimiter.tryAcquire(remoteAddressOf(client) ?? 'unknown')) return new BrokerRejection('rate-limited', CONNACK_SERVER_UNAVAILABLE)
  if (deps.connectedClients() >= deps.maxConnections) return new BrokerRejection('max-connections', CONNACK_SERVER_UNAVAILABLE)
  return null
}

/**
 * The aedes `preConnect` hook. A refused attempt is closed without CONNACK (aedes has no CONNACK path here);
 * clients see the connection close and back off.
 */
export function createPreConnect(deps: PreConnectDeps): NonNullable<AedesOptions['preConnect']> {
  const log = deps.log.child({ module: 'broker/limits' })
  return (client, _packet, done) => {
    const rejection = connectLimitRejection(deps, client)
    if (rejection === null) return done(null, true)
    deps.stats.count('connectionsRefused', rejection.reason)
    log.warn({ reason: rejection.reason, clientId: clientIdOf(client), remoteAddress: remoteAddressOf(client) }, 'connection refused')
    done(rejection, false)
  }
}
