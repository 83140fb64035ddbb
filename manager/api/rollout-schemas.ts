import { z } from 'zod'
import { HostId } from '../../schemas/ids.ts'
import { labelConditionText } from '../inventory/labels.ts'
import {
  isRotation,
  MEMBER_STATUSES,
  ROLLOUT_STATES,
  type Rollout,
  type RolloutAction,
  type RolloutMember,
  type RolloutProgress,
} from '../rollouts/rollout.ts'

/** The rollout's shapes in the API (routes/rollouts.ts, and the bulk request's `rollout`). */

const Count = z.int().min(0)
const Percent = z.number().min(0).max(100)

export const RolloutControlsBody = z
  .strictObject({
    maxConcurrent: z.int().min(1).max(100_000).describe('members in progress (desired set, no outcome yet) at most'),
    maxStartsPerMinute: z.number().min(0.1).max(100_000).describe('starts per minute at most (no burst above it)'),
    ramp: z
      .strictObject({
        initial: z.number().min(0.1).describe('starts per minute at first'),
        factor: z
          .number()
          .min(1)
          .max(100)
          .describe('the rate is multiplied by this after each minute without a failure'),
      })
      .optional(),
    canary: z
      .strictObject({
        hosts: z.int().min(1).optional().describe('the first N members are the canary'),
        percent: z.number().gt(0).max(100).optional().describe('or this share of the members, rounded up'),
        approval: z
          .union([z.literal('manual'), z.strictObject({ successPercent: Percent })])
          .describe("'manual' (POST …/approve), or automatic when this share of the canary succeeded"),
      })
      .optional()
      .describe('the canary goes first; a canary failure aborts the rollout'),
    abort: z
      .strictObject({
        failurePercent: Percent.describe('aborted when failed / (succeeded + failed) exceeds this'),
        minFinished: z.int().min(1).describe('once at least this many members finished'),
      })
      .optional(),
    window: z
      .strictObject({
        timezone: z.string().min(1).max(64).describe('IANA timezone, e.g. Europe/Berlin'),
        days: z.array(z.int().min(0).max(6)).min(1).max(7).describe('weekdays, 0 Sunday … 6 Saturday'),
        start: z.string().describe('HH:MM, inclusive'),
        end: z.string().describe('HH:MM, exclusive; before start: the window crosses midnight'),
      })
      .optional()
      .describe('starts only inside this window (hosts in progress continue)'),
  })
  .describe('How a rollout starts its members (docs/rollouts.md)')

const Progress = z.object({
  targeted: Count,
  pending: Count.describe('not started yet (untouched)'),
  inProgress: Count,
  succeeded: Count,
  failed: Count,
  failedByError: z.record(z.string(), Count).describe('failed members by rpc error name'),
  notSupported: Count,
  skipped: Count.describe('already in the target state when their turn came: not started'),
  canary: z.object({ targeted: Count, finished: Count }),
})

export const RolloutView = z
  .object({
    rolloutId: z.string(),
    tenantId: z.string(),
    state: z.enum(ROLLOUT_STATES),
    reason: z.string().nullable().describe('why it is in its state (an abort names its rule and figures)'),
    target: z.union([z.object({ hostIds: z.array(HostId) }), z.object({ filter: z.record(z.string(), z.unknown()) })]),
    action: z
      .enum(['desired-state', 'rotate-password'])
      .describe(
        'desired-state: desiredAmtState (and mode) for every member; rotate-password: an AMT password rotation',
      ),
    desiredAmtState: z.enum(['PROVISIONED', 'UNPROVISIONED']).optional().describe('the desired-state action only'),
    amtControlMode: z.enum(['CCM', 'ACM']).optional(),
    amtDnsSuffix: z.string().optional().describe('ACM: the DNS suffix of the activation'),
    controls: RolloutControlsBody,
    startsPerMinute: z.number().describe('the current rate (the ramp moves it)'),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
    progress: Progress,
  })
  .meta({ id: 'Rollout' })

export const MemberView = z.object({
  position: Count,
  hostId: HostId,
  canary: z.boolean(),
  status: z.enum(MEMBER_STATUSES),
  desiredGeneration: Count.nullable().describe('the generation the rollout gave the host'),
  errorName: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
})

export function rolloutView(rollout: Rollout, progress: RolloutProgress): z.infer<typeof RolloutView> {
  return {
    rolloutId: rollout.id,
    tenantId: rollout.tenantId,
    state: rollout.state,
    reason: rollout.reason,
    target: 'hostIds' in rollout.target ? { hostIds: [...rollout.target.hostIds] } : { filter: filterBodyOf(rollout) },
    ...actionFields(rollout.action),
    controls: rollout.controls as z.infer<typeof RolloutControlsBody>,
    startsPerMinute: rollout.schedule.rate,
    createdBy: rollout.createdBy,
    createdAt: rollout.createdAt,
    updatedAt: rollout.updatedAt,
    finishedAt: rollout.finishedAt,
    progress,
  }
}

function actionFields(action: RolloutAction) {
  if (isRotation(action)) return { action: 'rotate-password' as const }
  return {
    action: 'desired-state' as const,
    desiredAmtState: action.state,
    ...(action.controlMode === undefined ? {} : { amtControlMode: action.controlMode }),
    ...(action.dnsSuffix === undefined ? {} : { amtDnsSuffix: action.dnsSuffix }),
  }
}

/** A filter target as the body gave it: labels as their `label` texts. */
function filterBodyOf(rollout: Rollout): Record<string, unknown> {
  if (!('filter' in rollout.target)) return {}
  const { labels, ...rest } = rollout.target.filter
  return labels === undefined ? rest : { ...rest, label: labels.map(labelConditionText) }
}

export const memberView = (member: RolloutMember): z.infer<typeof MemberView> => ({
  position: member.position,
  hostId: member.hostId,
  canary: member.canary,
  status: member.status,
  desiredGeneration: member.generation,
  errorName: member.errorName,
  startedAt: member.startedAt,
  finishedAt: member.finishedAt,
})
