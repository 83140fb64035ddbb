import { z } from 'zod'
import { agentEnvelope, envelope } from '../envelope.ts'

/** Agent asks for the AMT password it needs for one operation. Not retained. */
export const SecretRequest = z.strictObject({
  ...agentEnvelope,
  correlationId: z.uuid(),
  purpose: z.enum(['deactivate', 'activate']),
  generation: z.int().min(1),
})
export type SecretRequest = z.infer<typeof SecretRequest>

/** Manager's answer, delivered only to the requesting host's principal. Never retained. */
export const SecretResponse = z.discriminatedUnion('ok', [
  z.strictObject({ ...envelope, correlationId: z.uuid(), ok: z.literal(true), password: z.string().min(8).max(32) }),
  z.strictObject({ ...envelope, correlationId: z.uuid(), ok: z.literal(false), error: z.string().max(512) }),
])
export type SecretResponse = z.infer<typeof SecretResponse>
