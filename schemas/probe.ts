import { z } from 'zod'
import { isValidId } from './ids.ts'
import { AGENT_LEAVES, TOPIC_ROOT, isLeaf, type Leaf } from './topics.ts'

/**
 * The manager's delivery probe: a small non-retained QoS 1 message the manager publishes to itself, on a topic
 * its own subscriptions (`amt/v1/+/+/<agent leaf>`) match, to learn whether the broker delivers them. A broker may
 * grant a SUBSCRIBE that its ACL denies and then filter at delivery (Mosquitto with an acl_file answers SUBACK
 * 0x01): only a message that comes back proves the subscriptions deliver.
 *
 * Topic: `amt/v1/_probe/{instanceId}/{leaf}`. `_probe` can never be a tenant (ids start with a letter or digit,
 * schemas/ids.ts), so parseTopic rejects it and no device telemetry can collide with a probe. The broker's ACL
 * (broker/auth/acl.ts) lets only the manager principal publish and read it.
 */
const PROBE_SEGMENT = '_probe'

/** The agent leaves the manager subscribes to: one probe per leaf, so a per-leaf ACL shows up per leaf. */
export const PROBE_LEAVES: readonly Leaf[] = AGENT_LEAVES

export interface ProbeAddress {
  /** Who probes: the manager's bus instance (its client id when that is a valid id segment). */
  instanceId: string
  leaf: Leaf
}

/** `amt/v1/_probe/{instanceId}/`: what every probe topic of one instance starts with (for messages, ACL hints). */
export function probeTopicPrefix(instanceId: string): string {
  if (!isValidId(instanceId)) throw new TypeError(`probe instance id ${JSON.stringify(instanceId)} is not a valid id`)
  return `${TOPIC_ROOT}/${PROBE_SEGMENT}/${instanceId}/`
}

/** Builds a probe topic. Throws on an invalid instance id (a programming error, not input). */
export function buildProbeTopic({ instanceId, leaf }: ProbeAddress): string {
  return `${probeTopicPrefix(instanceId)}${leaf}`
}

/** The probe address of a topic, or null when it is not a probe topic. Never throws. */
export function parseProbeTopic(topic: string): ProbeAddress | null {
  const prefix = `${TOPIC_ROOT}/${PROBE_SEGMENT}/`
  if (!topic.startsWith(prefix)) return null
  const [instanceId = '', ...rest] = topic.slice(prefix.length).split('/')
  const leaf = rest.join('/')
  return isValidId(instanceId) && isLeaf(leaf) ? { instanceId, leaf } : null
}

/** Whether a topic lies in the probe subtree at all (valid or not): `amt/v1/_probe/...`. */
export function isProbeSubtree(topic: string): boolean {
  return topic.startsWith(`${TOPIC_ROOT}/${PROBE_SEGMENT}/`)
}

/** The probe's payload: a nonce (unguessable, one per probe round) and when it was sent. */
const ProbePayload = z.strictObject({
  v: z.literal(1),
  nonce: z.string().regex(/^[A-Za-z0-9-]{8,80}$/),
  ts: z.iso.datetime(),
})
type ProbePayload = z.infer<typeof ProbePayload>

export function encodeProbe(nonce: string, now: Date = new Date()): Buffer {
  return Buffer.from(JSON.stringify(ProbePayload.parse({ v: 1, nonce, ts: now.toISOString() })))
}

/** The nonce of a probe payload, or null when the bytes are not a probe. Never throws. */
export function decodeProbe(payload: Buffer): string | null {
  try {
    const parsed = ProbePayload.safeParse(JSON.parse(payload.toString('utf8')))
    return parsed.success ? parsed.data.nonce : null
  } catch {
    return null
  }
}
