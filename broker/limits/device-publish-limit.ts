import type { AedesOptions, PublishPacket } from 'aedes'
import { clientIdOwner } from '../auth/client-id-policy.ts'
import { clientIdOf, remoteAddressOf } from '../connection-info.ts'
import type { ConnectionRegistry } from '../connection-registry.ts'
import { BrokerRejection } from '../rejection.ts'
import type { StatsCounters } from '../stats.ts'
import type { DeviceBudget } from './device-budget.ts'
import type { RefusalLog } from './refusal-log.ts'

type AuthorizePublish = NonNullable<AedesOptions['authorizePublish']>

export interface DevicePublishLimitDeps {
  registry: ConnectionRegistry
  budget: DeviceBudget
  stats: StatsCounters
  /** Built with PUBLISH_REFUSAL_MESSAGES: one line per address and reason a minute, then a summary. */
  refusals: RefusalLog
}

export const PUBLISH_REFUSAL_MESSAGES = {
  first: 'device publish over its budget, connection closed; further refusals counted',
  summary: 'device publishes over their budget from one address in a window',
  untracked: 'device publishes over their budget from addresses beyond the tracked ones in a window',
}

/** What a publish costs the budget: topic and payload bytes (the fixed header is noise at these sizes). */
export function publishBytes(packet: Pick<PublishPacket, 'topic' | 'payload'>): number {
  const { topic, payload } = packet
  return Buffer.byteLength(topic) + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length)
}

/**
 * Wraps the ACL's `authorizePublish`: a publish the ACL allows from a device's live connection is charged to the
 * device's budget (device-budget.ts), across all its connections. Over budget, the publishing connection is closed
 * (MQTT 3.1.1 has no reason code for a quota; MQTT-3.3.5-2 allows closing, and mqtt.js and the agent reconnect with
 * backoff and resend what was unacknowledged): counted under `publishDenied` (`rate-limited`, `byte-rate-limited`)
 * and logged without flooding. A last will is published after its connection closed and is never charged.
 */
export function limitDevicePublishes(
  authorizePublish: AuthorizePublish,
  deps: DevicePublishLimitDeps,
): AuthorizePublish {
  const { registry, budget, stats, refusals } = deps
  return (client, packet, done) => {
    authorizePublish(client, packet, (err) => {
      if (err !== null && err !== undefined) return done(err)
      const principal = registry.principalOf(client)
      if (client === null || client.closed || principal?.role !== 'device') return done(null)
      const exceeded = budget.tryPublish(clientIdOwner(principal), publishBytes(packet))
      if (exceeded === null) {
        refusals.flush()
        return done(null)
      }
      stats.count('publishDenied', exceeded)
      refusals.refused({
        reason: exceeded,
        remoteAddress: remoteAddressOf(client) ?? 'unknown',
        clientId: clientIdOf(client),
      })
      done(new BrokerRejection(exceeded))
    })
  }
}
