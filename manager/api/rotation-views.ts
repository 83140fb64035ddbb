import { z } from 'zod'
import type { PasswordRotation } from '../inventory/port.ts'

const isoTime = z.iso.datetime()

export const RotationView = z
  .object({
    id: z.uuid().describe('the rotation id (desired rotationId, the agent events)'),
    state: z
      .enum(['pending', 'confirmed', 'failed'])
      .describe('pending until the agent reports; failed: the previous password is current again'),
    generation: z.int().min(1).describe('the desired generation that asked for it'),
    newVersion: z.int().min(1).describe("the host secret's version holding the new password"),
    actor: z.string(),
    requestedAt: isoTime,
    settledAt: isoTime.nullable(),
    reason: z.string().nullable().describe('why it failed'),
    mpsCopy: z
      .enum(['pending', 'written', 'absent', 'none'])
      .nullable()
      .describe(
        "MPS's copy (RPS's Vault device secret): pending (retried), written, absent, none; null until confirmed " +
          '(a failed rotation: until its new password is restored)',
      ),
    restoredAt: isoTime
      .optional()
      .describe(
        'a failed rotation whose new password AMT had taken after all: when a password candidate made it current ' +
          "again; MPS's copy then follows as for a confirmed one",
      ),
  })
  .meta({ id: 'PasswordRotation', description: 'An AMT password rotation (never a password)' })

/** The rotation as the API shows it: without the previous password's origin and the revert marker (internal). */
export function rotationView(rotation: PasswordRotation): z.infer<typeof RotationView> {
  const { previous, reverted, ...shown } = rotation
  void previous
  void reverted
  return shown
}
