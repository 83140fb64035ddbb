import { z } from 'zod'
import { agentEnvelope } from '../envelope.ts'

/** Birth (online) and last will (offline) of an agent. Retained. */
export const Presence = z.strictObject({
  ...agentEnvelope,
  online: z.boolean(),
  agentVersion: z.string().max(64),
})
export type Presence = z.infer<typeof Presence>
