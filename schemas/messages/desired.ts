import { z } from 'zod'
import { envelope } from '../envelope.ts'
import { AmtControlMode } from '../enums.ts'

/**
 * What the manager wants for a host. Retained, QoS 1. Strict: a password (or any unknown key) is rejected,
 * so a secret can never ride in a retained message.
 */
export const Desired = z
  .strictObject({
    ...envelope,
    generation: z
      .int()
      .min(1)
      .max(Number.MAX_SAFE_INTEGER)
      .describe('increases with every change of the desired state; orders desired messages'),
    state: z.enum(['PROVISIONED', 'UNPROVISIONED']).describe('the AMT state the manager wants'),
    controlMode: AmtControlMode.exclude(['UNSPECIFIED']).describe(
      'ACM (admin) or CCM (client) control mode to activate in',
    ),
    profileName: z.string().min(1).max(128).optional().describe('RPS profile to activate with'),
    rpsUrl: z
      .url({ protocol: /^wss?$/ })
      .regex(/^wss?:\/\/[^/?#]/, { message: 'rpsUrl must be a ws:// or wss:// URL' })
      .max(512)
      .optional()
      .describe('RPS activation endpoint, e.g. wss://rps.example.com/activate'),
    dnsSuffix: z.string().max(255).optional().describe('DNS suffix for ACM activation'),
    localDeactivation: z
      .literal(true)
      .optional()
      .describe(
        "an operator's force: when AMT cannot be deactivated through RPS (RPS or the password unavailable), deactivate " +
          'locally (rpc deactivate -local), leaving RPS/MPS records behind. Absent: only through RPS, else FAILED',
      ),
    rotationId: z
      .uuid()
      .optional()
      .describe(
        'an AMT password rotation asked for at this generation (docs/credentials.md "Rotation"): the agent asks ' +
          'secret/req purpose rotate for the current and the new password, changes it, confirms it and reports ' +
          'rotation.confirmed or rotation.failed with this id. Only with state PROVISIONED; never a password',
      ),
  })
  .describe('What the manager wants for a host. Retained, QoS 1. Never carries a password: unknown keys are rejected.')
export type Desired = z.infer<typeof Desired>
