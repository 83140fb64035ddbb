import { z } from 'zod'
import { agentEnvelope } from '../envelope.ts'
import { MAX_EVENT_FACTS, withinEventFacts } from '../wire-rules.ts'

export const EventKind = z.enum([
  'rpc.started',
  'rpc.finished',
  'rpc.failed',
  'retry.scheduled',
  'recovery.started',
  'lms.enabled',
  'lms.failed',
  'desired.accepted',
  'desired.ignored',
  'desired.rejected',
  'secret.requested',
  'secret.failed',
  'secret.candidate-worked',
  'deactivation.local',
  'plan.superseded',
  'rotation.confirmed',
  'rotation.failed',
])
export type EventKind = z.infer<typeof EventKind>

/** Progress and audit trail; not retained. */
export const Event = z
  .strictObject({
    ...agentEnvelope,
    kind: EventKind,
    message: z.string().max(1024),
    generation: z.int().min(0).optional().describe('generation of the desired state this event belongs to'),
    detail: z
      .record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
      .refine(withinEventFacts, {
        message: `at most ${MAX_EVENT_FACTS} entries`,
      })
      .optional()
      .describe(
        `flat key/value facts (e.g. exit code, attempt, duration), at most ${MAX_EVENT_FACTS} entries; never secrets`,
      ),
  })
  .describe('Progress and audit trail of an agent. Not retained.')
export type Event = z.infer<typeof Event>
