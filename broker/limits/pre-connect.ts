import type { AedesOptions, Client, ConnectPacket } from 'aedes'
import type { Logger } from '../../lib/log.ts'
import { clientIdOf, remoteAddressOf } from '../connection-info.ts'
import { connectViolation } from '../connect-violations.ts'
import { BrokerRejection, CONNACK_SERVER_UNAVAILABLE, protocolViolation } from '../rejection.ts'
import type { StatsCounters } from '../stats.ts'
import type { ConnectRateLimiter } from './connect-rate-limiter.ts'
import { RefusalLog } from './refusal-log.ts'

export interface PreConnectDeps {
  rateLimiter: ConnectRateLimiter
  maxConnections: number
  connectedClients: () => number
  stats: StatsCounters
  log: Logger
  /** How refusals are logged; default: once per address and window with a count (refusal-log.ts). */
  refusalLog?: RefusalLog
}

const UNKNOWN_ADDRESS = 'unknown'

/** Checks run on CONNECT before any credential work (scrypt is deliberately expensive): protocol, then limits. */
function connectRejection(deps: PreConnectDeps, client: Client, packet: ConnectPacket): BrokerRejection | null {
  const violation = connectViolation(packet)
  if (violation !== null) return protocolViolation(violation)
  if (!deps.rateLimiter.tryAcquire(remoteAddressOf(client) ?? UNKNOWN_ADDRESS)) {
    return new BrokerRejection('rate-limited', CONNACK_SERVER_UNAVAILABLE)
  }
  if (deps.connectedClients() >= deps.maxConnections) {
    return new BrokerRejection('max-connections', CONNACK_SERVER_UNAVAILABLE)
  }
  return null
}

/**
 * The aedes `preConnect` hook. A malformed CONNECT (connect-violations.ts) or a refused attempt is closed without
 * CONNACK (aedes has no CONNACK path here); clients see the connection close and back off. Every refusal is counted; the log gets one line per address and
 * window plus a summary with the count, so a site retrying behind one address cannot flood it.
 */
export function createPreConnect(deps: PreConnectDeps): NonNullable<AedesOptions['preConnect']> {
  const refusals = deps.refusalLog ?? new RefusalLog({ log: deps.log.child({ module: 'broker/limits' }) })
  return (client, packet, done) => {
    const rejection = connectRejection(deps, client, packet)
    if (rejection === null) {
      refusals.flush()
      return done(null, true)
    }
    deps.stats.count('connectionsRefused', rejection.reason)
    const remoteAddress = remoteAddressOf(client) ?? UNKNOWN_ADDRESS
    refusals.refused({ reason: rejection.reason, clientId: clientIdOf(client), remoteAddress })
    done(rejection, false)
  }
}
