import test from 'ava'
import {
  decodeMessage,
  DEFAULT_MAX_PAYLOAD_BYTES,
  encodePayload,
  REJECTION_REASONS,
  type Decoded,
} from '../../schemas/decode.ts'
import { PAYLOADS, type PayloadOf } from '../../schemas/messages/index.ts'
import { buildTopic, LEAF_RULES, LEAVES, type Leaf } from '../../schemas/topics.ts'
import { example, EXAMPLE_HOST_ID, EXAMPLE_TENANT_ID, EXAMPLES, exampleTopic, validPayloads } from './examples.ts'

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

function rejection(decoded: Decoded): { reason: string; detail: string } {
  if (decoded.kind !== 'rejected') throw new Error(`expected a rejection, got ${decoded.kind}`)
  return decoded
}

for (const leaf of LEAVES) {
  test(`${leaf}: decodes to a typed message with its address`, (t) => {
    for (const payload of validPayloads(leaf)) {
      const decoded = decodeMessage(exampleTopic(leaf, payload.hostId), json(payload))
      t.deepEqual(decoded, {
        kind: 'message',
        tenantId: EXAMPLE_TENANT_ID,
        hostId: payload.hostId,
        leaf,
        payload: JSON.parse(JSON.stringify(payload)) as unknown,
      })
    }
  })

  test(`${leaf}: encodePayload round-trips through decodeMessage`, (t) => {
    const payload = example(leaf)
    const bytes = encodePayload(leaf, payload)
    t.true(Buffer.isBuffer(bytes))
    const decoded = decodeMessage(exampleTopic(leaf), bytes)
    t.is(decoded.kind, 'message')
    if (decoded.kind === 'message') t.deepEqual(decoded.payload, payload)
    t.deepEqual(
      encodePayload(leaf, decoded.kind === 'message' ? (decoded.payload as PayloadOf<typeof leaf>) : payload),
      bytes,
    )
  })
}

test('the decoded payload is narrowed by leaf', (t) => {
  const decoded = decodeMessage(exampleTopic('desired'), json(EXAMPLES.desired))
  if (decoded.kind !== 'message' || decoded.leaf !== 'desired') return t.fail()
  // Type-level check: `generation` exists only on desired (and a few others); this compiles only when narrowed.
  t.is(decoded.payload.generation, EXAMPLES.desired.generation)
})

test('encodePayload refuses an invalid payload (a programming error)', (t) => {
  const withPassword = { ...example('desired'), password: 'P@ssw0rd!' } as PayloadOf<'desired'>
  t.throws(() => encodePayload('desired', withPassword))
  t.throws(() => encodePayload('state', { ...example('state'), seq: -1 }))
})

test('bad-topic: outside the tree or a bad id segment; the topic is echoed truncated', (t) => {
  for (const topic of ['foo/bar', '$SYS/x', 'amt/v1/+/h/state', 'amt/v1/t/.h/state', '']) {
    t.is(rejection(decodeMessage(topic, json(EXAMPLES.state))).reason, 'bad-topic', topic)
  }
  const decoded = decodeMessage(`x/${'y'.repeat(10_000)}`, json(EXAMPLES.state))
  t.like(decoded, { kind: 'rejected', reason: 'bad-topic' })
  if (decoded.kind === 'rejected') t.is(decoded.topic.length, 256)
})

test('unknown-leaf', (t) => {
  for (const topic of ['amt/v1/t/h/nope', 'amt/v1/t/h/secret', 'amt/v1/t/h/state/extra']) {
    t.is(rejection(decodeMessage(topic, json(EXAMPLES.state))).reason, 'unknown-leaf', topic)
  }
})

test('too-large: default limit and a custom limit, checked before parsing', (t) => {
  const payload = json(EXAMPLES.state)
  const small = rejection(decodeMessage(exampleTopic('state'), payload, { maxPayloadBytes: 10 }))
  t.is(small.reason, 'too-large')
  t.regex(small.detail, /limit 10\b/)
  t.is(decodeMessage(exampleTopic('state'), payload, { maxPayloadBytes: payload.byteLength }).kind, 'message')
  const huge = Buffer.alloc(DEFAULT_MAX_PAYLOAD_BYTES + 1, 0x20)
  t.is(rejection(decodeMessage(exampleTopic('state'), huge)).reason, 'too-large')
  t.is(rejection(decodeMessage(exampleTopic('state'), huge.subarray(1))).reason, 'bad-json')
})

test('bad-json: not UTF-8, not JSON, not an object', (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
    ['truncated UTF-8 sequence', Uint8Array.from([0x22, 0xe2, 0x82]), /UTF-8/],
    ['overlong encoding', Uint8Array.from([0xc0, 0xaf]), /UTF-8/],
    ['truncated JSON', Buffer.from('{"v":1,'), /not valid JSON/],
    ['garbage', Buffer.from('hello'), /not valid JSON/],
    ['array', Buffer.from('[1,2]'), /not a JSON object/],
    ['string', Buffer.from('"x"'), /not a JSON object/],
    ['number', Buffer.from('42'), /not a JSON object/],
    ['null', Buffer.from('null'), /not a JSON object/],
    ['boolean', Buffer.from('true'), /not a JSON object/],
  ]
  for (const [name, bytes, detail] of cases) {
    const rejected = rejection(decodeMessage(exampleTopic('state'), bytes))
    t.is(rejected.reason, 'bad-json', name)
    t.regex(rejected.detail, detail, name)
  }
})

test('a truncated UTF-8 sequence leaves nothing behind for the next message (one decoder serves every message)', (t) => {
  const valid = validPayloads('state')[0]
  if (valid === undefined) throw new Error('no valid state example')
  const text = JSON.stringify(valid)
  for (const broken of [Uint8Array.from([0x22, 0xe2, 0x82]), Uint8Array.from([0x7b, 0xf0, 0x9f])]) {
    t.is(rejection(decodeMessage(exampleTopic('state'), broken)).reason, 'bad-json')
    // A decoder that kept the broken sequence's bytes would read them in front of this one's `{`.
    const decoded = decodeMessage(exampleTopic('state', valid.hostId), Buffer.from(text))
    t.is(decoded.kind, 'message')
    t.deepEqual(decoded.kind === 'message' ? decoded.payload : null, JSON.parse(text))
  }
})

test('bad-json never echoes the payload (it may be a mangled secret)', (t) => {
  for (const text of ['{"ok":true,"password":"Hunter2-Hunter2"', 'Hunter2-Hunter2', '{"password": Hunter2-Hunter2}']) {
    const rejected = rejection(decodeMessage(exampleTopic('secret/res'), Buffer.from(text)))
    t.is(rejected.reason, 'bad-json')
    t.false(rejected.detail.includes('Hunter2'), rejected.detail)
  }
})

test('unsupported-version: wrong, mistyped or missing v', (t) => {
  const { v: _v, ...withoutVersion } = example('state')
  const cases: [unknown, RegExp][] = [
    [{ ...example('state'), v: 2 }, /v=2/],
    [{ ...example('state'), v: 0 }, /v=0/],
    [{ ...example('state'), v: '1' }, /v is a string/],
    [{ ...example('state'), v: null }, /v is a null/],
    [withoutVersion, /v is missing/],
    [{}, /v is missing/],
  ]
  for (const [payload, detail] of cases) {
    const rejected = rejection(decodeMessage(exampleTopic('state'), json(payload)))
    t.is(rejected.reason, 'unsupported-version')
    t.regex(rejected.detail, detail)
  }
  const secretish = rejection(decodeMessage(exampleTopic('state'), json({ v: 'Hunter2-Hunter2' })))
  t.false(secretish.detail.includes('Hunter2'))
})

test('schema: the detail names the zod path', (t) => {
  const rejected = rejection(
    decodeMessage(exampleTopic('desired'), json({ ...example('desired'), rpsUrl: 'https://rps/activate' })),
  )
  t.is(rejected.reason, 'schema')
  t.true(rejected.detail.startsWith('rpsUrl: '), rejected.detail)
  const root = rejection(
    decodeMessage(exampleTopic('desired'), json({ ...example('desired'), password: 'Hunter2-Hunter2' })),
  )
  t.is(root.reason, 'schema')
  t.true(root.detail.startsWith('(root): '), root.detail)
  t.false(root.detail.includes('Hunter2'))
  const nested = rejection(
    decodeMessage(
      exampleTopic('capability'),
      json({ ...example('capability'), ras: { ...EXAMPLES.capability.ras, remoteStatus: 'up' } }),
    ),
  )
  t.true(nested.detail.startsWith('ras.remoteStatus: '), nested.detail)
})

test('schema: details stay short even for huge unknown keys', (t) => {
  const rejected = rejection(decodeMessage(exampleTopic('desired'), json({ ...example('desired'), [long(10_000)]: 1 })))
  t.is(rejected.reason, 'schema')
  t.true(rejected.detail.length <= 300)
})

test('host-mismatch: the payload hostId must equal the topic host', (t) => {
  for (const leaf of LEAVES) {
    const rejected = rejection(decodeMessage(exampleTopic(leaf, 'other-host'), json(EXAMPLES[leaf])))
    t.is(rejected.reason, 'host-mismatch', leaf)
    t.true(rejected.detail.includes(EXAMPLE_HOST_ID) && rejected.detail.includes('other-host'))
  }
})

test('host-mismatch: a status payload must name the topic tenant', (t) => {
  const topic = buildTopic({ tenantId: 'other-tenant', hostId: EXAMPLE_HOST_ID, leaf: 'status' })
  const rejected = rejection(decodeMessage(topic, json(EXAMPLES.status)))
  t.is(rejected.reason, 'host-mismatch')
  t.true(rejected.detail.includes(EXAMPLE_TENANT_ID) && rejected.detail.includes('other-tenant'))
})

test('an empty payload clears a retained leaf and is rejected on the others', (t) => {
  for (const leaf of LEAVES) {
    const decoded = decodeMessage(exampleTopic(leaf), new Uint8Array(0))
    if (LEAF_RULES[leaf].retained)
      t.deepEqual(decoded, { kind: 'cleared', tenantId: EXAMPLE_TENANT_ID, hostId: EXAMPLE_HOST_ID, leaf })
    else t.like(decoded, { kind: 'rejected', reason: 'bad-json' }, leaf)
  }
})

test('every rejection reason is reachable', (t) => {
  const seen = new Set<string>()
  const inputs: [string, Uint8Array][] = [
    ['x', json(EXAMPLES.state)],
    ['amt/v1/t/h/x', json(EXAMPLES.state)],
    [exampleTopic('state'), Buffer.alloc(DEFAULT_MAX_PAYLOAD_BYTES + 1)],
    [exampleTopic('state'), Buffer.from('{')],
    [exampleTopic('state'), json({ v: 9 })],
    [exampleTopic('state'), json({ v: 1 })],
    [exampleTopic('state', 'other'), json(EXAMPLES.state)],
  ]
  for (const [topic, bytes] of inputs) seen.add(rejection(decodeMessage(topic, bytes)).reason)
  t.deepEqual([...seen].sort(), [...REJECTION_REASONS].sort())
})

function long(n: number): string {
  return 'k'.repeat(n)
}

/** mulberry32: a tiny seeded PRNG, so a failing fuzz case is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

test('fuzz: decodeMessage never throws and always returns a well-formed result', (t) => {
  const random = prng(0x5eed)
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const segments = [
    'amt',
    'v1',
    'v2',
    EXAMPLE_TENANT_ID,
    EXAMPLE_HOST_ID,
    '+',
    '#',
    '',
    '.x',
    'secret',
    'req',
    'res',
    '\0',
    'ü',
    ...LEAVES,
  ]
  const randomTopic = (): string => {
    if (random() < 0.5) return exampleTopic(pick(LEAVES))
    return Array.from({ length: 1 + int(8) }, () => pick(segments)).join('/')
  }
  const randomBytes = (): Uint8Array => Uint8Array.from({ length: int(64) }, () => int(256))
  const mutate = (leaf: Leaf): Uint8Array => {
    const bytes = Buffer.from(JSON.stringify(pick(validPayloads(leaf))))
    const op = int(4)
    if (op === 0) return bytes.subarray(0, int(bytes.length))
    if (op === 1) {
      for (let i = 0; i < 1 + int(4); i++) bytes[int(bytes.length)] = int(256)
      return bytes
    }
    if (op === 2) {
      const at = int(bytes.length)
      return Buffer.concat([bytes.subarray(0, at), randomBytes(), bytes.subarray(at)])
    }
    return bytes
  }
  const randomJsonValue = (depth: number): unknown => {
    const kind = int(depth > 2 ? 4 : 6)
    if (kind === 0) return null
    if (kind === 1) return random() < 0.5
    if (kind === 2) return pick([0, -1, 1.5, 1e308, 2 ** 53, 1])
    if (kind === 3) return pick(['', 'x', EXAMPLE_HOST_ID, '2026-03-01T12:00:00Z', 'wss://x'])
    if (kind === 4) return Array.from({ length: int(3) }, () => randomJsonValue(depth + 1))
    const keys = ['v', 'ts', 'hostId', 'seq', 'bootId', 'ok', 'password', 'state', '__proto__', 'constructor']
    return Object.fromEntries(Array.from({ length: int(6) }, () => [pick(keys), randomJsonValue(depth + 1)]))
  }

  const kinds = new Map<string, number>()
  for (let i = 0; i < 3000; i++) {
    const topic = randomTopic()
    const leaf = pick(LEAVES)
    const generator = int(3)
    const bytes = generator === 0 ? randomBytes() : generator === 1 ? mutate(leaf) : json(randomJsonValue(0))
    let decoded: Decoded
    try {
      decoded = decodeMessage(topic, bytes, { maxPayloadBytes: 1 + int(2 * DEFAULT_MAX_PAYLOAD_BYTES) })
    } catch (err) {
      return t.fail(
        `threw on case ${i}: ${String(err)} topic=${JSON.stringify(topic)} bytes=${Buffer.from(bytes).toString('hex')}`,
      )
    }
    kinds.set(decoded.kind, (kinds.get(decoded.kind) ?? 0) + 1)
    if (decoded.kind === 'rejected') {
      if (!REJECTION_REASONS.includes(decoded.reason) || decoded.detail.length === 0 || decoded.detail.length > 300) {
        return t.fail(`bad rejection on case ${i}: ${JSON.stringify(decoded)}`)
      }
    } else if (decoded.kind === 'message' && !PAYLOADS[decoded.leaf].safeParse(decoded.payload).success) {
      return t.fail(`case ${i} produced an invalid message`)
    }
  }
  t.true((kinds.get('message') ?? 0) > 0, 'the fuzzer should also produce valid messages')
  t.true((kinds.get('rejected') ?? 0) > 1000)
})
