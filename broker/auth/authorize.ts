import type { AedesOptions, Client } from 'aedes'
import type { Logger } from '../../lib/log.ts'
import { clientIdOf, remoteAddressOf } from '../connection-info.ts'
import type { ConnectionRegistry } from '../connection-registry.ts'
import { loggableTopic } from '../log-safe.ts'
import { BrokerRejection } from '../rejection.ts'
import type { StatsCounters } from '../stats.ts'
import { RefusalLog } from '../limits/refusal-log.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../schemas/decode.ts'
import { mayPublish, mayRead, maySubscribe, type Decision } from './acl.ts'
import type { DecodedHandoff } from './decoded-handoff.ts'
import { checkDevicePayload } from './device-payload-check.ts'
import { orphanWillPrincipal } from './orphan-will.ts'

export interface AuthorizeDeps {
  registry: ConnectionRegistry
  stats: StatsCounters
  log: Logger
  maxTopicLevels: number
  /** Largest payload a device may retain (device-payload-check.ts); default: the contract's 64 KiB. */
  maxRetainedPayloadBytes?: number
  /** Where the payload check leaves what it decoded for a consumer in this process (the manager's embedded bus). */
  handoff?: DecodedHandoff
}

export type AuthorizeHooks = Required<
  Pick<AedesOptions, 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>
>

const NO_SESSION: Decision = { allowed: false, reason: 'no-session' }
const INVALID_PAYLOAD = 'invalid-payload'
const INVALID_PAYLOAD_MESSAGES = {
  first: 'device payload against the contract on a retained leaf: connection closed; further ones counted',
  summary: 'device payloads against the contract on retained leaves from one address in a window',
  untracked: 'device payloads against the contract from addresses beyond the tracked ones in a window',
}
/** For packets still parsed from a connection the broker already closed (and counted), e.g. by the size guard. */
const CONNECTION_CLOSED = new BrokerRejection('connection-closed')
/** For a connection closed because its principal was removed (disconnectDevice): not even its last will goes out. */
const PRINCIPAL_REVOKED = new BrokerRejection('principal-revoked')

/**
 * Turns ACL decisions (acl.ts) into aedes behaviour:
 * - PUBLISH denied: the connection is closed (MQTT-3.3.5-2 allows closing or acknowledging; closing makes
 *   the fault visible). The broker never rewrites topics, QoS or the retain flag: the ACL only judges topics.
 *   A device connection over its publish rate limit is closed the same way (reason `rate-limited`); its last
 *   will is not counted against it.
 * - A device's payload on a retained leaf that breaks the contract (device-payload-check.ts) closes the connection
 *   too (reason `invalid-payload`): it is neither retained nor forwarded, and a faulty agent is visible (it
 *   reconnects, within the connect rate limit). Logged once per address and window with a count (refusal-log.ts).
 * - SUBSCRIBE denied: that filter gets return code 0x80 in SUBACK; the connection stays.
 * - Forward (second line, also retained messages on subscribe): a message the principal may not read is
 *   dropped silently.
 * Packets still parsed from a connection the broker closed itself (packet-size guard) are refused silently.
 * Its last will is not such a packet: aedes publishes it after marking the client closed, and it is judged
 * like any publish of that principal — except for a connection closed because its principal was removed
 * (`disconnectDevice`): it publishes nothing more, its last will included. A dead cluster instance's stored will
 * (no client) is judged as the device its agent client id names (orphan-will.ts).
 */
export function createAuthorizeHooks(deps: AuthorizeDeps): AuthorizeHooks {
  const { registry, stats, log: parentLog, maxTopicLevels, handoff } = deps
  const { maxRetainedPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES } = deps
  const log = parentLog.child({ module: 'broker/authorize' })
  const invalidPayloads = new RefusalLog({ log, messages: INVALID_PAYLOAD_MESSAGES })
  const principalOf = (client: Client | null) => registry.principalOf(client)
  const fromClosedConnection = (client: Client | null) =>
    client !== null && !client.closed && registry.closedByBroker(client.conn)
  const context = (client: Client | null): { clientId?: string | undefined; remoteAddress?: string | undefined } =>
    client === null ? {} : { clientId: clientIdOf(client), remoteAddress: remoteAddressOf(client) }

  const authorizePublish: AuthorizeHooks['authorizePublish'] = (client, packet, done) => {
    if (fromClosedConnection(client)) return done(CONNECTION_CLOSED)
    if (client !== null && registry.revoked(client)) return done(PRINCIPAL_REVOKED)
    const principal = principalOf(client) ?? orphanWillPrincipal(client, packet)
    const decision = principal === undefined ? NO_SESSION : mayPublish(principal, packet.topic, maxTopicLevels)
    if (decision.allowed && principal?.role === 'device') {
      const payload = checkDevicePayload(packet.topic, packet.payload, maxRetainedPayloadBytes)
      if (!payload.ok) {
        stats.count('publishDenied', INVALID_PAYLOAD)
        const { clientId, remoteAddress = 'unknown' } = context(client)
        invalidPayloads.refused({ reason: `${INVALID_PAYLOAD}:${payload.reason}`, remoteAddress, clientId })
        return done(new BrokerRejection(INVALID_PAYLOAD))
      }
      if (payload.message !== undefined && typeof packet.payload !== 'string')
        handoff?.remember(packet.topic, packet.payload, payload.message)
    }
    if (decision.allowed) return done(null)
    stats.count('publishDenied', decision.reason)
    log.warn(
      {
        reason: decision.reason,
        ...context(client),
        principal: principal?.id,
        topic: loggableTopic(packet.topic, principal),
      },
      'publish denied',
    )
    done(new BrokerRejection(decision.reason))
  }

  const authorizeSubscribe: AuthorizeHooks['authorizeSubscribe'] = (client, subscription, done) => {
    if (fromClosedConnection(client)) return done(CONNECTION_CLOSED)
    const principal = principalOf(client)
    const decision = principal === undefined ? NO_SESSION : maySubscribe(principal, subscription.topic, maxTopicLevels)
    if (decision.allowed) return done(null, subscription)
    stats.count('subscribeDenied', decision.reason)
    log.warn(
      {
        reason: decision.reason,
        ...context(client),
        principal: principal?.id,
        filter: loggableTopic(subscription.topic, principal),
      },
      'subscribe denied',
    )
    done(null, null)
  }

  const authorizeForward: AuthorizeHooks['authorizeForward'] = (client, packet) => {
    const principal = principalOf(client)
    const decision = principal === undefined ? NO_SESSION : mayRead(principal, packet.topic, maxTopicLevels)
    if (decision.allowed) return packet
    stats.count('forwardDropped', decision.reason)
    log.debug(
      {
        reason: decision.reason,
        ...context(client),
        principal: principal?.id,
        topic: loggableTopic(packet.topic, principal),
      },
      'forward dropped',
    )
    return null
  }

  return { authorizePublish, authorizeSubscribe, authorizeForward }
}
