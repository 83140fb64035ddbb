import test from 'ava'
import { decodeMessage } from '../../schemas/decode.ts'
import { PAYLOADS } from '../../schemas/messages/index.ts'
import { LEAVES } from '../../schemas/topics.ts'
import { BAD } from './bad-payloads.ts'
import { example, EXAMPLE_HOST_ID, exampleTopic, validPayloads } from './examples.ts'

for (const leaf of LEAVES) {
  test(`${leaf}: the example and every variant are accepted unchanged`, (t) => {
    for (const payload of validPayloads(leaf)) {
      const result = PAYLOADS[leaf].safeParse(payload)
      t.true(result.success, JSON.stringify(result.error?.issues))
      t.deepEqual(result.data, payload, 'parsing must not transform or strip anything')
      // What goes over the wire (JSON drops undefined) is accepted too.
      t.true(PAYLOADS[leaf].safeParse(JSON.parse(JSON.stringify(payload))).success)
    }
  })
}

for (const bad of BAD) {
  test(`${bad.leaf}: rejects ${bad.name}`, (t) => {
    const payload = example(bad.leaf) as Record<string, unknown>
    bad.mutate(payload)
    const result = PAYLOADS[bad.leaf].safeParse(payload)
    t.false(result.success)
    const first = result.error?.issues[0]
    t.is(first?.path.join('.'), bad.path, JSON.stringify(result.error?.issues))
    t.is(first?.code, bad.code, JSON.stringify(first))
    // decodeMessage reports the same issue as a `schema` rejection, starting with the zod path.
    const decoded = decodeMessage(exampleTopic(bad.leaf, EXAMPLE_HOST_ID), Buffer.from(JSON.stringify(payload)))
    t.like(decoded, { kind: 'rejected', reason: 'schema' })
    if (decoded.kind === 'rejected') t.true(decoded.detail.startsWith(`${bad.path || '(root)'}: `), decoded.detail)
  })
}

test('every leaf has bad cases in the table', (t) => {
  for (const leaf of LEAVES)
    t.true(
      BAD.some((bad) => bad.leaf === leaf),
      leaf,
    )
})

test('a wrong or missing schema version is rejected by every payload schema', (t) => {
  for (const leaf of LEAVES) {
    for (const v of [0, 2, '1', null])
      t.false(PAYLOADS[leaf].safeParse({ ...example(leaf), v }).success, `${leaf} v=${String(v)}`)
    const { v: _v, ...withoutVersion } = example(leaf)
    t.false(PAYLOADS[leaf].safeParse(withoutVersion).success, leaf)
  }
})

test('non-object payloads are rejected by every payload schema', (t) => {
  for (const leaf of LEAVES) {
    for (const value of [null, [], 'x', 1, true])
      t.false(PAYLOADS[leaf].safeParse(value).success, `${leaf} ${JSON.stringify(value)}`)
  }
})
