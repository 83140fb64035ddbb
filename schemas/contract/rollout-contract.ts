import { ID_RULE } from '../ids.ts'
import { ROLLOUT_PROGRESS_RULE, RolloutProgressPayload } from '../rollout-progress.ts'
import { TOPIC_ROOT } from '../topics.ts'
import { EXAMPLE_TENANT_ID, EXAMPLE_TS } from './examples.ts'
import { namedJsonSchema, type JsonObject } from './json-schemas.ts'

/**
 * The AsyncAPI parts and the JSON Schema of the tenant-level rollout progress topic (schemas/rollout-progress.ts),
 * beside the host leaves of asyncapi.ts.
 */
export const ROLLOUT_PROGRESS_SLUG = 'rollout-progress'
const TITLE = 'RolloutProgress'
const SUMMARY = "A rollout's state and member counts, for the tenant's integrators."
const OPERATION_ID = 'sendRolloutProgress'
export const ROLLOUT_PROGRESS_SCHEMA_PATH = `docs/schemas/${ROLLOUT_PROGRESS_SLUG}.schema.json`
const ROLLOUT_PROGRESS_ADDRESS = `${TOPIC_ROOT}/{tenantId}/_rollouts/{rolloutId}/progress`
const EXAMPLE_ROLLOUT_ID = '0b9f6c2e-4d1a-4f3b-9e7c-2a5d8b1c6e40'

export const ROLLOUT_PROGRESS_EXAMPLE: RolloutProgressPayload = {
  v: 1,
  ts: EXAMPLE_TS,
  tenantId: EXAMPLE_TENANT_ID,
  rolloutId: EXAMPLE_ROLLOUT_ID,
  state: 'running',
  reason: null,
  action: { state: 'PROVISIONED', controlMode: 'CCM' },
  controls: {
    maxConcurrent: 50,
    maxStartsPerMinute: 100,
    currentStartsPerMinute: 40,
    canary: true,
    abortFailurePercent: 10,
    window: false,
  },
  counts: {
    targeted: 500,
    pending: 380,
    inProgress: 50,
    succeeded: 66,
    failed: 2,
    failedByError: { ActivationFailed: 2 },
    notSupported: 1,
    skipped: 1,
  },
  updatedAt: EXAMPLE_TS,
}

export function rolloutProgressJsonSchema(target: 'draft-2020-12' | 'draft-7'): JsonObject {
  return namedJsonSchema(RolloutProgressPayload, { slug: ROLLOUT_PROGRESS_SLUG, title: TITLE }, target)
}

export const ROLLOUT_ID_PARAMETER: JsonObject = {
  description: `Rollout id (a UUID; ${ID_RULE}). Every payload repeats it in \`rolloutId\`.`,
  examples: [EXAMPLE_ROLLOUT_ID],
  location: '$message.payload#/rolloutId',
}

const { qos, retained } = ROLLOUT_PROGRESS_RULE

export const ROLLOUT_PROGRESS_CHANNEL: JsonObject = {
  address: ROLLOUT_PROGRESS_ADDRESS,
  title: TITLE,
  summary: SUMMARY,
  description:
    'Published by the manager when the rollout changes (at most once per engine tick), and a last time when it ' +
    'ends; retained (kept after the end: nothing deletes a rollout); QoS 1. A tenant-level topic, not a host leaf: ' +
    '`_rollouts` is never a host id. Readable by the integrators of the tenant (`amt/v1/{tenantId}/#` on the ' +
    'embedded broker, `amt/v1/{tenantId}/_rollouts/+/progress` everywhere); never by devices.',
  parameters: {
    tenantId: { $ref: '#/components/parameters/tenantId' },
    rolloutId: { $ref: '#/components/parameters/rolloutId' },
  },
  messages: { [ROLLOUT_PROGRESS_SLUG]: { $ref: `#/components/messages/${ROLLOUT_PROGRESS_SLUG}` } },
}

export const ROLLOUT_PROGRESS_OPERATION: [string, JsonObject] = [
  OPERATION_ID,
  {
    action: 'send',
    channel: { $ref: `#/channels/${ROLLOUT_PROGRESS_SLUG}` },
    title: `Send ${TITLE}`,
    summary: SUMMARY,
    messages: [{ $ref: `#/channels/${ROLLOUT_PROGRESS_SLUG}/messages/${ROLLOUT_PROGRESS_SLUG}` }],
  },
]

export const ROLLOUT_PROGRESS_MESSAGE: JsonObject = {
  name: TITLE,
  title: TITLE,
  summary: SUMMARY,
  contentType: 'application/json',
  payload: { $ref: `#/components/schemas/${TITLE}` },
  examples: [{ name: `${ROLLOUT_PROGRESS_SLUG}-example`, payload: ROLLOUT_PROGRESS_EXAMPLE }],
}

export const ROLLOUT_PROGRESS_SCHEMA_NAME = TITLE
export const ROLLOUT_PROGRESS_BINDING = { qos, retain: retained }
