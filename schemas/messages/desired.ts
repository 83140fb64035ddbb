import { z } from 'zod'
import { envelope } from '../envelope.ts'
import { AmtControlMode } from '../enums.ts'

/**
 * What the manager wants for a host. Retained, QoS 1. Strict: a password (or any unknown key) is rejected,
 * so a secret can never ride in a retained message.
 */
export const Desired = z.strictObject({
  ...envelope,
  generation: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  state: z.enum(['PROVISIONED', 'UNPROVISIONED']),
  controlMode: AmtControlMode.exclude(['UNSPECIFIED']),
  profileName: z.string().min(1).max(128).optional(),
  rpsUrl: z.url({ protocol: /^wss?$/ }).max(512).optional(),
  dnsSuffix: z.string().max(255).optional(),
})
export type Desired = z.infer<typeof Desired>
