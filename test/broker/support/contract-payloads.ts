import { parseTopic } from '../../../schemas/topics.ts'
import { example } from '../../schemas/examples.ts'

/**
 * A payload the broker lets a device retain on `topic` (broker/auth/device-payload-check.ts), carrying `marker` in
 * a free-text field so a test can recognise it: the contract's example of the leaf with the topic's host. Topics
 * whose payloads the broker does not check (other leaves, topics outside the tree) get the marker itself.
 */
export function contractPayload(topic: string, marker: string): string {
  const parsed = parseTopic(topic)
  if (!parsed.ok) return marker
  const { hostId, leaf } = parsed.address
  if (leaf === 'presence') return JSON.stringify(example('presence', { hostId, agentVersion: marker.slice(0, 64) }))
  if (leaf === 'capability') return JSON.stringify(example('capability', { hostId, reason: marker.slice(0, 512) }))
  if (leaf === 'state') return JSON.stringify(example('state', { hostId, reason: marker.slice(0, 1024) }))
  return marker
}
