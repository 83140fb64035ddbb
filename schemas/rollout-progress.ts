import { z } from 'zod'
import { SCHEMA_VERSION } from './envelope.ts'
import { ID_PATTERN, ID_RULE, isValidId, TenantId } from './ids.ts'
import { TOPIC_ROOT } from './topics.ts'

/**
 * A rollout's progress for the tenant's integrators: `amt/v1/{tenantId}/_rollouts/{rolloutId}/progress`, published
 * by the manager, retained, QoS 1 (docs/rollouts.md). It is a tenant-level topic, not a host leaf: `_rollouts` can
 * never be a host id (ids start with a letter or digit, schemas/ids.ts), so parseTopic rejects it and no device prefix
 * reaches it; six levels deep, it matches none of the five-level host filters (`amt/v1/+/+/<leaf>`,
 * `amt/v1/{tenant}/+/+`). The broker's ACL (broker/auth/acl.ts) lets the manager publish it and the manager and
 * the tenant's integrators read it.
 */
const ROLLOUTS_SEGMENT = '_rollouts'
const PROGRESS_LEAF = 'progress'

export const ROLLOUT_PROGRESS_RULE = { from: 'manager', retained: true, qos: 1 } as const

export interface RolloutTopicAddress {
  tenantId: string
  rolloutId: string
}

/** Builds the progress topic of one rollout. Throws on invalid ids (a programming error, not input). */
export function buildRolloutProgressTopic({ tenantId, rolloutId }: RolloutTopicAddress): string {
  if (!isValidId(tenantId)) throw new TypeError(`tenantId ${JSON.stringify(tenantId)} is not ${ID_RULE}`)
  if (!isValidId(rolloutId)) throw new TypeError(`rolloutId ${JSON.stringify(rolloutId)} is not ${ID_RULE}`)
  return `${TOPIC_ROOT}/${tenantId}/${ROLLOUTS_SEGMENT}/${rolloutId}/${PROGRESS_LEAF}`
}

/** The address of a concrete rollout progress topic, or null for any other topic. Never throws. */
export function parseRolloutProgressTopic(topic: string): RolloutTopicAddress | null {
  const parts = topic.split('/')
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null
  const [, , tenantId = '', segment, rolloutId = '', leaf] = parts
  if (segment !== ROLLOUTS_SEGMENT || leaf !== PROGRESS_LEAF) return null
  return isValidId(tenantId) && isValidId(rolloutId) ? { tenantId, rolloutId } : null
}

/** Whether a topic lies in some tenant's rollout subtree at all (valid or not): `amt/v1/{any}/_rollouts/...`. */
export function isRolloutSubtree(topic: string): boolean {
  return isRolloutSubtreeLevels(topic.split('/'))
}

/** isRolloutSubtree on a topic already split at `/`. */
export function isRolloutSubtreeLevels(parts: readonly string[]): boolean {
  return parts.length >= 4 && parts[3] === ROLLOUTS_SEGMENT && `${parts[0]}/${parts[1]}` === TOPIC_ROOT
}

/** Filter of every rollout's progress of one tenant (what integrators subscribe to). */
export function tenantRolloutsFilter(tenantId: string): string {
  if (!isValidId(tenantId)) throw new TypeError(`tenantId ${JSON.stringify(tenantId)} is not ${ID_RULE}`)
  return `${TOPIC_ROOT}/${tenantId}/${ROLLOUTS_SEGMENT}/+/${PROGRESS_LEAF}`
}

/** Filter of every rollout's progress of every tenant (the manager's ACL). */
export const ALL_ROLLOUTS_FILTER = `${TOPIC_ROOT}/+/${ROLLOUTS_SEGMENT}/+/${PROGRESS_LEAF}`

/** The tenant segment of a progress topic a filter can match, when it can match one; null when it matches none. */
export type RolloutFilterScope = { tenant: 'any' } | { tenant: string }

/**
 * Whether an MQTT filter can match some rollout progress topic, and of which tenant. Used by the ACLs so that a wide
 * filter (`amt/v1/acme/#`, `amt/v1/+/+/+/+`) is judged for this subtree too. Never throws; malformed filters → null.
 */
export function rolloutFilterScope(filter: string): RolloutFilterScope | null {
  const shape = ['amt', 'v1', null, ROLLOUTS_SEGMENT, null, PROGRESS_LEAF]
  const parts = filter.split('/')
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? ''
    if (part === '#') return i === parts.length - 1 ? scopeOf(parts[2]) : null
    if (i >= shape.length) return null
    const expected = shape[i]
    if (part === '+') continue
    if (part.includes('+') || part.includes('#')) return null
    if (expected === null ? !isValidId(part) : part !== expected) return null
  }
  return parts.length === shape.length ? scopeOf(parts[2]) : null
}

function scopeOf(tenantPart: string | undefined): RolloutFilterScope {
  return tenantPart === undefined || tenantPart === '+' || tenantPart === '#'
    ? { tenant: 'any' }
    : { tenant: tenantPart }
}

const Count = z.int().min(0).max(Number.MAX_SAFE_INTEGER)
/** A rollout's states (manager/rollouts/rollout.ts, docs/rollouts.md). */
export const ROLLOUT_STATES = [
  'canary',
  'awaiting-approval',
  'running',
  'paused',
  'aborted',
  'cancelled',
  'completed',
] as const

/** The payload: what GET …/rollouts/{id} shows of the rollout, without its target and members. */
export const RolloutProgressPayload = z
  .strictObject({
    v: z.literal(SCHEMA_VERSION),
    ts: z.iso.datetime({ offset: true }).describe('RFC 3339 time the message was produced'),
    tenantId: TenantId,
    rolloutId: z
      .string()
      .regex(ID_PATTERN)
      .describe(`Rollout id; must equal the topic's rollout segment. Rule: ${ID_RULE}`),
    state: z.enum(ROLLOUT_STATES).describe('aborted, cancelled and completed are final: no further message follows'),
    reason: z.string().max(1024).nullable().describe('Why the rollout is in its state (an abort rule and figures)'),
    action: z
      .union([
        z
          .strictObject({
            state: z.enum(['PROVISIONED', 'UNPROVISIONED']),
            controlMode: z.enum(['ACM', 'CCM']).optional(),
          })
          .describe('A desired AMT state for every member (the form since the first version)'),
        z
          .strictObject({ kind: z.literal('rotate-password') })
          .describe("An AMT password rotation of every member (docs/credentials.md 'Rotation')"),
      ])
      .describe('What the rollout does to each member: a desired state, or (with `kind`) another action'),
    controls: z
      .strictObject({
        maxConcurrent: Count,
        maxStartsPerMinute: Count,
        currentStartsPerMinute: z.number().min(0).describe('The rate now (below the maximum while a ramp climbs)'),
        canary: z.boolean().describe('Whether canary members go first'),
        abortFailurePercent: z.number().min(0).max(100).nullable(),
        window: z.boolean().describe('Whether starts are limited to a maintenance window'),
      })
      .describe('A summary of the controls; GET …/rollouts/{id} has them in full'),
    counts: z.strictObject({
      targeted: Count,
      pending: Count,
      inProgress: Count,
      succeeded: Count,
      failed: Count,
      failedByError: z.record(z.string().max(128), Count).describe('Failed members by rpc error name'),
      notSupported: Count,
      skipped: Count,
    }),
    updatedAt: z.iso.datetime({ offset: true }).describe('When the rollout or its counts last changed'),
  })
  .describe("A rollout's state and member counts, for the tenant's integrators")
export type RolloutProgressPayload = z.infer<typeof RolloutProgressPayload>

export function encodeRolloutProgress(payload: RolloutProgressPayload): Buffer {
  return Buffer.from(JSON.stringify(RolloutProgressPayload.parse(payload)))
}

/** The payload of a progress message; null for an empty (cleared) or invalid one. Never throws. */
export function decodeRolloutProgress(bytes: Buffer): RolloutProgressPayload | null {
  try {
    const parsed = RolloutProgressPayload.safeParse(JSON.parse(bytes.toString('utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}
