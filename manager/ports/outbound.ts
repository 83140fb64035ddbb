import { buildTopic, LEAF_RULES, type Leaf } from '../../schemas/index.ts'
import type { HostKey } from '../inventory/port.ts'

export interface PublishOptions {
  qos: 0 | 1
  retain: boolean
}

/**
 * What the manager core needs of the bus: publish, in call order. Each publisher encodes its own leaf (buildTopic,
 * encodePayload) and publishes it with the contract's retain flag and QoS (LEAF_RULES). `publish` only queues (mqtt.js sends in
 * order and keeps QoS 1 messages across reconnects); failures are the bus's to log. Inventory is the truth,
 * and every (re)connect republishes desired and status from it, so no caller waits for a PUBACK.
 */
export interface Outbound {
  publish(topic: string, payload: Buffer, options: PublishOptions): void
}

/** Clears retained leaves of a host (an empty retained payload; MQTT semantics). */
export function clearRetained(outbound: Outbound, key: HostKey, leaves: readonly Leaf[] = RETAINED_LEAVES): void {
  for (const leaf of leaves) {
    outbound.publish(buildTopic({ tenantId: key.tenantId, hostId: key.hostId, leaf }), Buffer.alloc(0), {
      qos: 1,
      retain: true,
    })
  }
}

export const RETAINED_LEAVES: readonly Leaf[] = (Object.keys(LEAF_RULES) as Leaf[]).filter(
  (leaf) => LEAF_RULES[leaf].retained,
)
