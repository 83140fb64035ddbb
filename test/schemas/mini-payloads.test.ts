import test from 'ava'
import { readFile } from 'node:fs/promises'
import { generateMiniPayloads } from '../../schemas/contract/mini-payloads.ts'
import { decodeMessage, encodePayload } from '../../schemas/decode.ts'
import { describeIssues } from '../../schemas/issues.ts'
import { PAYLOADS, type PayloadOf } from '../../schemas/messages/index.ts'
import { decodeAgentMessage, encodeAgentPayload, type AgentParsedLeaf } from '../../schemas/mini/agent-wire.ts'
import { AGENT_PAYLOADS, AmtinfoField, HostId, RasRemoteStatus, TenantId } from '../../schemas/mini/payloads.ts'
import * as contract from '../../schemas/index.ts'
import { AmtinfoField as ContractAmtinfoField } from '../../schemas/messages/capability.ts'
import { LEAVES } from '../../schemas/topics.ts'
import { BAD } from './bad-payloads.ts'
import { example, EXAMPLE_HOST_ID, exampleTopic, validPayloads } from './examples.ts'

/**
 * The agent parses with lean schemas generated from the contract (schemas/mini/payloads.ts). They must accept and
 * reject exactly what the contract's zod schemas do, with the same issues: over the contract's examples and variants,
 * its table of bad payloads, and every field of every example set to a spread of wrong values or removed.
 */
const AGENT_LEAVES = Object.keys(AGENT_PAYLOADS) as AgentParsedLeaf[]

/** What a parse says: the data when accepted, every issue (path, code, message) when not. */
function verdict(
  schema: (typeof PAYLOADS)[AgentParsedLeaf] | (typeof AGENT_PAYLOADS)[AgentParsedLeaf],
  value: unknown,
) {
  const result = schema.safeParse(value)
  return result.success
    ? { ok: true, data: result.data as unknown }
    : { ok: false, issues: describeIssues(result.error), codes: result.error.issues.map((issue) => issue.code) }
}

function sameVerdict(leaf: AgentParsedLeaf, value: unknown): { same: boolean; ok: boolean; detail: string } {
  const classic = verdict(PAYLOADS[leaf], value)
  const mini = verdict(AGENT_PAYLOADS[leaf], value)
  const same = JSON.stringify(classic) === JSON.stringify(mini)
  return { same, ok: classic.ok, detail: `${leaf} ${JSON.stringify(value)}: ${JSON.stringify({ classic, mini })}` }
}

const WRONG_VALUES: unknown[] = [
  null,
  undefined,
  '',
  'x',
  'x'.repeat(5000),
  0,
  -1,
  1.5,
  2 ** 53,
  true,
  false,
  [],
  ['x'],
  {},
  { a: 1 },
  '2026-13-01T00:00:00Z',
  'not a uuid',
  'wss://rps.example.com/activate',
  'http://rps.example.com/',
]

test('the lean schemas are the generated ones (npm run contract:generate after a contract change)', async (t) => {
  const onDisk = await readFile(new URL('../../schemas/mini/payloads.ts', import.meta.url), 'utf8')
  t.is(onDisk, generateMiniPayloads())
})

test('the agent parses every leaf but the manager status', (t) => {
  t.deepEqual(
    AGENT_LEAVES,
    LEAVES.filter((leaf) => leaf !== 'status'),
  )
})

for (const leaf of AGENT_LEAVES) {
  test(`${leaf}: the contract's example and variants are accepted alike, unchanged`, (t) => {
    for (const payload of validPayloads(leaf)) {
      const { same, ok, detail } = sameVerdict(leaf, payload)
      t.true(same, detail)
      t.true(ok, detail)
      t.deepEqual(encodeAgentPayload(leaf, payload), encodePayload(leaf, payload))
    }
  })

  test(`${leaf}: every field wrong or missing is judged alike`, (t) => {
    let rejected = 0
    for (const base of validPayloads(leaf)) {
      for (const key of Object.keys(base)) {
        const { [key]: _removed, ...without } = base as Record<string, unknown>
        const cases = [without, ...WRONG_VALUES.map((value) => ({ ...base, [key]: value }))]
        for (const value of cases) {
          const { same, ok, detail } = sameVerdict(leaf, value)
          t.true(same, detail)
          if (!ok) rejected++
        }
      }
      for (const value of [{ ...base, unknownKey: 1 }, null, [], 'x', 1, { ...base, v: 2 }]) {
        const { same, ok, detail } = sameVerdict(leaf, value)
        t.true(same, detail)
        t.false(ok, detail)
      }
    }
    t.true(rejected > 0)
  })
}

for (const bad of BAD.filter((bad) => bad.leaf !== 'status')) {
  test(`${bad.leaf}: rejects ${bad.name} like the contract`, (t) => {
    const leaf = bad.leaf as AgentParsedLeaf
    const payload = example(leaf) as Record<string, unknown>
    bad.mutate(payload)
    const { same, ok, detail } = sameVerdict(leaf, payload)
    t.true(same, detail)
    t.false(ok, detail)
    t.throws(() => encodeAgentPayload(leaf, payload as PayloadOf<typeof leaf>))
    const topic = exampleTopic(leaf, EXAMPLE_HOST_ID)
    const bytes = Buffer.from(JSON.stringify(payload))
    t.deepEqual(decodeAgentMessage(topic, bytes), decodeMessage(topic, bytes))
  })
}

test('decoding: the same messages, clears and rejections as the contract, and status is not the agent’s', (t) => {
  const cases: Array<[string, Buffer]> = [
    [exampleTopic('desired'), Buffer.from(JSON.stringify(example('desired')))],
    [exampleTopic('secret/res'), Buffer.from(JSON.stringify(example('secret/res')))],
    [exampleTopic('desired'), Buffer.alloc(0)],
    [exampleTopic('desired'), Buffer.from('{"v":1')],
    [exampleTopic('desired', 'other-host'), Buffer.from(JSON.stringify(example('desired')))],
    ['amt/v1/x/+/desired', Buffer.from('{}')],
  ]
  for (const [topic, bytes] of cases) t.deepEqual(decodeAgentMessage(topic, bytes), decodeMessage(topic, bytes), topic)
  const status = decodeAgentMessage(exampleTopic('status'), Buffer.from(JSON.stringify(example('status'))))
  t.like(status, { kind: 'rejected', reason: 'unknown-leaf' })
})

test('the named schemas judge like the contract’s', (t) => {
  const pairs = [
    [contract.HostId, HostId],
    [contract.TenantId, TenantId],
    [contract.RasRemoteStatus, RasRemoteStatus],
    [ContractAmtinfoField, AmtinfoField],
  ] as const
  const values = [...WRONG_VALUES, 'host-1', 'a/b', 'A'.repeat(64), 'A'.repeat(65), 'connected', 'uuid', 'ras']
  for (const [classic, mini] of pairs) {
    for (const value of values) {
      const a = classic.safeParse(value)
      const b = mini.safeParse(value)
      t.is(a.success, b.success, JSON.stringify(value))
      if (!a.success && !b.success) t.deepEqual(describeIssues(a.error), describeIssues(b.error))
    }
  }
})
