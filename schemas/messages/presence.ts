import { z } from 'zod'
import { agentEnvelope } from '../envelope.ts'

/** Birth (online) and last will (offline) of an agent. Retained. */
export const Presence = z
  .strictObject({
    ...agentEnvelope,
    online: z.boolean().describe('true in the birth message; false in the last will (LWT) and on a clean shutdown'),
    agentVersion: z.string().max(64).describe('version of the agent software'),
  })
  .describe('Birth (online) and last will (offline) of an agent. Retained.')
export type Presence = z.infer<typeof Presence>
