import test from 'ava'
import { ROLLOUT_PROGRESS_EXAMPLE } from '../../schemas/contract/rollout-contract.ts'
import {
  ALL_ROLLOUTS_FILTER,
  buildRolloutProgressTopic,
  decodeRolloutProgress,
  encodeRolloutProgress,
  isRolloutSubtree,
  parseRolloutProgressTopic,
  rolloutFilterScope,
  tenantRolloutsFilter,
} from '../../schemas/rollout-progress.ts'
import { parseTopic, parseTopicFilter } from '../../schemas/topics.ts'

const ID = '0b9f6c2e-4d1a-4f3b-9e7c-2a5d8b1c6e40'

test('the progress topic is built and parsed back; it is never a host topic', (t) => {
  const topic = buildRolloutProgressTopic({ tenantId: 'acme', rolloutId: ID })
  t.is(topic, `amt/v1/acme/_rollouts/${ID}/progress`)
  t.deepEqual(parseRolloutProgressTopic(topic), { tenantId: 'acme', rolloutId: ID })
  t.true(isRolloutSubtree(topic))
  t.false(parseTopic(topic).ok, 'parseTopic of the host tree rejects it (`_rollouts` is no host id)')
  t.is(parseTopicFilter(tenantRolloutsFilter('acme')), null, 'not a host-tree filter either')
  t.throws(() => buildRolloutProgressTopic({ tenantId: 'ac+me', rolloutId: ID }), { instanceOf: TypeError })
  t.throws(() => buildRolloutProgressTopic({ tenantId: 'acme', rolloutId: '_x' }), { instanceOf: TypeError })
})

test('parse: anything but a well-formed progress topic is null', (t) => {
  for (const topic of [
    `amt/v1/acme/_rollouts/${ID}`,
    `amt/v1/acme/_rollouts/${ID}/progress/x`,
    `amt/v1/acme/_rollouts/${ID}/state`,
    `amt/v1/acme/_rollouts/_bad/progress`,
    `amt/v1/_x/_rollouts/${ID}/progress`,
    `amt/v2/acme/_rollouts/${ID}/progress`,
    `amt/v1/acme/node-1/progress`,
  ])
    t.is(parseRolloutProgressTopic(topic), null, topic)
  t.true(isRolloutSubtree(`amt/v1/acme/_rollouts/${ID}`), 'in the subtree, malformed: the ACL denies it')
  t.false(isRolloutSubtree('amt/v1/acme/node-1/status'))
})

test('which filters reach rollout progress, and of which tenant', (t) => {
  const cases: Array<[string, ReturnType<typeof rolloutFilterScope>]> = [
    ['#', { tenant: 'any' }],
    ['amt/#', { tenant: 'any' }],
    ['+/+/+/+/+/+', { tenant: 'any' }],
    [ALL_ROLLOUTS_FILTER, { tenant: 'any' }],
    ['amt/v1/acme/#', { tenant: 'acme' }],
    ['amt/v1/acme/+/#', { tenant: 'acme' }],
    ['amt/v1/acme/+/+/+', { tenant: 'acme' }],
    ['amt/v1/acme/_rollouts/#', { tenant: 'acme' }],
    [tenantRolloutsFilter('acme'), { tenant: 'acme' }],
    [`amt/v1/acme/_rollouts/${ID}/progress`, { tenant: 'acme' }],
    ['amt/v1/+/+/status', null],
    ['amt/v1/acme/+/+', null],
    ['amt/v1/acme/node-1/#', null],
    ['amt/v1/acme/+/+/status', null],
    ['amt/v1/acme/_rollouts/+/progress/+', null],
    ['amt/v1/acme/_rollouts/#/progress', null],
    ['amt/v1/ac+me/_rollouts/+/progress', null],
    ['amt/v2/#', null],
  ]
  for (const [filter, expected] of cases) t.deepEqual(rolloutFilterScope(filter), expected, filter)
})

test('the payload: encoded, decoded, strict', (t) => {
  const bytes = encodeRolloutProgress(ROLLOUT_PROGRESS_EXAMPLE)
  t.deepEqual(decodeRolloutProgress(bytes), ROLLOUT_PROGRESS_EXAMPLE)
  t.is(decodeRolloutProgress(Buffer.alloc(0)), null, 'an empty (cleared) message')
  t.is(decodeRolloutProgress(Buffer.from(JSON.stringify({ ...ROLLOUT_PROGRESS_EXAMPLE, v: 2 }))), null)
  t.is(decodeRolloutProgress(Buffer.from(JSON.stringify({ ...ROLLOUT_PROGRESS_EXAMPLE, extra: 1 }))), null)
  const negative = { ...ROLLOUT_PROGRESS_EXAMPLE, counts: { ...ROLLOUT_PROGRESS_EXAMPLE.counts, failed: -1 } }
  t.throws(() => encodeRolloutProgress(negative))
})

test('the action: a desired state (the first form, unchanged) or a rotation by `kind`; nothing mixed', (t) => {
  const rotation = { ...ROLLOUT_PROGRESS_EXAMPLE, action: { kind: 'rotate-password' as const } }
  t.deepEqual(decodeRolloutProgress(encodeRolloutProgress(rotation)), rotation)
  const desired = { ...ROLLOUT_PROGRESS_EXAMPLE, action: { state: 'UNPROVISIONED' as const } }
  t.deepEqual(decodeRolloutProgress(encodeRolloutProgress(desired)), desired)
  const invalid = [
    { kind: 'rotate-password', state: 'PROVISIONED' },
    { kind: 'reboot' },
    { kind: 'desired-state', state: 'PROVISIONED' },
    {},
  ]
  for (const action of invalid)
    t.is(decodeRolloutProgress(Buffer.from(JSON.stringify({ ...ROLLOUT_PROGRESS_EXAMPLE, action }))), null)
})
