import type { ConnectPacket } from 'aedes'

/**
 * MQTT 3.1.1 rules on CONNECT that mqtt-packet 9 and aedes 1.2 let through. Each is a protocol violation: the
 * broker closes the connection without CONNACK (§4.8) before any credential work. (Will QoS or Will Retain set
 * without the Will Flag [MQTT-3.1.2-11, -13, -15] and the reserved flag [MQTT-3.1.2-3] are refused by the parser.)
 */
interface ConnectRule {
  /** The refusal reason, counted (stats.ts) and logged. */
  reason: string
  violated: (packet: ConnectPacket) => boolean
}

const hasNul = (text: string | undefined): boolean => text !== undefined && text.includes('\u0000')

const CONNECT_RULES: readonly ConnectRule[] = [
  // [MQTT-3.1.2-14] Will QoS MUST NOT be 3.
  { reason: 'will-qos-invalid', violated: (packet) => packet.will !== undefined && (packet.will.qos ?? 0) > 2 },
  // [MQTT-3.1.2-22] no password without a username (MQTT 3.1 and 3.1.1).
  {
    reason: 'password-without-username',
    violated: (packet) => packet.password !== undefined && packet.username === undefined,
  },
  // [MQTT-3.1.2-1] the protocol name of level 4 is "MQTT"; "MQIsdp" belongs to MQTT 3.1 (level 3).
  {
    reason: 'protocol-name-mismatch',
    violated: (packet) => (packet.protocolId === 'MQIsdp') !== (packet.protocolVersion === 3),
  },
  // [MQTT-1.5.3-2] UTF-8 strings MUST NOT include U+0000: client id, username, will topic.
  {
    reason: 'nul-in-string',
    violated: (packet) => hasNul(packet.clientId) || hasNul(packet.username) || hasNul(packet.will?.topic),
  },
]

/** The reason of the first rule the CONNECT breaks, or null. */
export function connectViolation(packet: ConnectPacket): string | null {
  return CONNECT_RULES.find((rule) => rule.violated(packet))?.reason ?? null
}
