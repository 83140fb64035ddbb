import { z } from 'zod'
import { HostId } from './ids.ts'
import { SCHEMA_VERSION } from './wire-rules.ts'

export { SCHEMA_VERSION } from './wire-rules.ts'

const BootId = z.uuid()

/** Fields every payload carries. */
export const envelope = {
  v: z.literal(SCHEMA_VERSION),
  ts: z.iso.datetime({ offset: true }).describe('RFC 3339 time the message was produced'),
  hostId: HostId,
}

/** Agent messages also carry the boot they come from and a sequence number, monotonic per boot. */
export const agentEnvelope = {
  ...envelope,
  bootId: BootId.describe('Random id chosen at each agent start'),
  seq: z
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .describe('Monotonic per bootId; receivers drop stale and duplicate messages'),
}

/** The envelope's keys in an agent payload: what remains is the message's body (messages/index.ts BodyOf). */
export type AgentEnvelopeKey = keyof typeof agentEnvelope
