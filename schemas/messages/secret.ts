import { z } from 'zod'
import { agentEnvelope, envelope } from '../envelope.ts'
import { MAX_PASSWORD_CANDIDATES } from '../wire-rules.ts'

export { MAX_PASSWORD_CANDIDATES } from '../wire-rules.ts'

/** Agent asks for the AMT password it needs for one operation. Not retained. */
export const SecretRequest = z
  .strictObject({
    ...agentEnvelope,
    correlationId: z.uuid().describe('chosen by the agent; echoed by the response'),
    purpose: z
      .enum(['deactivate', 'activate', 'rotate'])
      .describe('rotate: a password rotation (desired rotationId); the answer carries the new password too'),
    generation: z.int().min(1).describe('generation of the desired state the secret is needed for'),
    candidate: z
      .int()
      .min(0)
      .max(MAX_PASSWORD_CANDIDATES - 1)
      .optional()
      .describe(
        "which known password: 0 (or absent) the current one; 1.. the previous versions, then the tenant's static " +
          'password. Asked after AMT refused the one before (docs/credentials.md); an older agent never sends it',
      ),
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
      more: z
        .boolean()
        .optional()
        .describe('whether a further candidate exists (ask with candidate + 1); absent: an older manager, none'),
      origin: z
        .enum(['host', 'tenant'])
        .optional()
        .describe("the candidate's origin: one of the host's versions, or the tenant's static password"),
      version: z.int().min(1).optional().describe("the host secret's version the candidate is (origin host)"),
      newPassword: z
        .string()
        .min(8)
        .max(32)
        .optional()
        .describe('purpose rotate only: the password AMT is to be changed to (stored by the manager before it asked)'),
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
