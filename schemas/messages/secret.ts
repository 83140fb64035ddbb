import { z } from 'zod'
import { agentEnvelope, envelope } from '../envelope.ts'

/** Agent asks for the AMT password it needs for one operation. Not retained. */
export const SecretRequest = z
  .strictObject({
    ...agentEnvelope,
    correlationId: z.uuid().describe('chosen by the agent; echoed by the response'),
    purpose: z.enum(['deactivate', 'activate']),
    generation: z.int().min(1).describe('generation of the desired state the secret is needed for'),
  })
  .describe('The agent asks for the AMT password it needs for one operation. Never retained.')
export type SecretRequest = z.infer<typeof SecretRequest>

/** Manager's answer, delivered only to the requesting host's principal. Never retained. */
export const SecretResponse = z
  .discriminatedUnion('ok', [
    z.strictObject({
      ...envelope,
      correlationId: z.uuid(),
      ok: z.literal(true),
      password: z.string().min(8).max(32).describe('the AMT password'),
    }),
    z.strictObject({
      ...envelope,
      correlationId: z.uuid(),
      ok: z.literal(false),
      error: z.string().max(512).describe('why no password is given'),
      retryable: z
        .literal(true)
        .optional()
        .describe(
          'a passing failure (e.g. the secret store unavailable): the agent asks again later; absent: a refusal',
        ),
    }),
  ])
  .describe("The manager's answer to a secret request, delivered only to the requesting host. Never retained.")
export type SecretResponse = z.infer<typeof SecretResponse>
