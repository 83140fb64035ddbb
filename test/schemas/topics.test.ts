import test from 'ava'
import { HostId, isValidId, TenantId } from '../../schemas/ids.ts'
import {
  AGENT_LEAVES,
  allHostsFilter,
  buildTopic,
  LEAF_RULES,
  LEAVES,
  MANAGER_LEAVES,
  parseTopic,
  parseTopicFilter,
  tenantFilter,
  type FilterSegment,
  type Leaf,
  type ParsedFilter,
} from '../../schemas/topics.ts'

const GOOD_IDS = [
  '4C4C4544-005A-3510-8047-B4C04F564433',
  '4c4c4544-005a-3510-8047-b4c04f564433',
  'acme',
  'a',
  '0',
  'node-17.site_a',
  'a'.repeat(64),
]

const BAD_IDS: [label: string, id: string][] = [
  ['empty', ''],
  ['plus', '+'],
  ['hash', '#'],
  ['plus inside', 'a+b'],
  ['hash inside', 'a#b'],
  ['slash', 'a/b'],
  ['NUL', 'a\0b'],
  ['only NUL', '\0'],
  ['too long (65)', 'a'.repeat(65)],
  ['leading dot', '.hidden'],
  ['dot dot', '..'],
  ['leading dash', '-x'],
  ['leading underscore', '_x'],
  ['space', 'a b'],
  ['newline', 'a\n'],
  ['non-ASCII', 'nöde'],
  ['dollar', '$SYS'],
]

test('buildTopic and parseTopic round-trip every leaf with every kind of id', (t) => {
  for (const leaf of LEAVES) {
    for (const tenantId of ['acme', GOOD_IDS[0] ?? '']) {
      for (const hostId of GOOD_IDS) {
        const topic = buildTopic({ tenantId, hostId, leaf })
        t.is(topic, `amt/v1/${tenantId}/${hostId}/${leaf}`)
        t.deepEqual(parseTopic(topic), { ok: true, address: { tenantId, hostId, leaf } })
      }
    }
  }
})

test('ids: valid ones pass isValidId and the zod schemas', (t) => {
  for (const id of GOOD_IDS) {
    t.true(isValidId(id), id)
    t.true(TenantId.safeParse(id).success, id)
    t.true(HostId.safeParse(id).success, id)
  }
})

for (const [label, id] of BAD_IDS) {
  test(`ids: ${label} is rejected by validators, builders and parsers`, (t) => {
    t.false(isValidId(id))
    t.false(TenantId.safeParse(id).success)
    t.false(HostId.safeParse(id).success)
    t.throws(() => buildTopic({ tenantId: id, hostId: 'h', leaf: 'state' }), { instanceOf: TypeError })
    t.throws(() => buildTopic({ tenantId: 't', hostId: id, leaf: 'state' }), { instanceOf: TypeError })
    t.throws(() => tenantFilter(id, 'status'), { instanceOf: TypeError })
    if (!id.includes('/')) {
      t.like(parseTopic(`amt/v1/${id}/h/state`), { ok: false, reason: 'bad-topic' })
      t.like(parseTopic(`amt/v1/t/${id}/state`), { ok: false, reason: 'bad-topic' })
    }
    if (!id.includes('/') && id !== '+') {
      // `+` is a valid filter segment (a wildcard), so only the other bad ids make a filter malformed.
      t.is(parseTopicFilter(`amt/v1/${id}/+/state`), null)
      t.is(parseTopicFilter(`amt/v1/+/${id}/state`), null)
    }
  })
}

const FOREIGN_TOPICS: [topic: string, reason: 'bad-topic' | 'unknown-leaf'][] = [
  ['', 'bad-topic'],
  ['amt', 'bad-topic'],
  ['amt/v1', 'bad-topic'],
  ['amt/v1/t', 'bad-topic'],
  ['amt/v2/t/h/state', 'bad-topic'],
  ['AMT/v1/t/h/state', 'bad-topic'],
  ['/amt/v1/t/h/state', 'bad-topic'],
  ['$SYS/broker/uptime', 'bad-topic'],
  ['foo/bar', 'bad-topic'],
  ['amt/v1//h/state', 'bad-topic'],
  ['amt/v1/t//state', 'bad-topic'],
  ['amt/v1/+/h/state', 'bad-topic'],
  ['amt/v1/t/#', 'bad-topic'],
  ['amt/v1/t/h', 'unknown-leaf'],
  ['amt/v1/t/h/', 'unknown-leaf'],
  ['amt/v1/t/h/State', 'unknown-leaf'],
  ['amt/v1/t/h/secret', 'unknown-leaf'],
  ['amt/v1/t/h/secret/req/x', 'unknown-leaf'],
  ['amt/v1/t/h/secret//req', 'unknown-leaf'],
  ['amt/v1/t/h/+', 'unknown-leaf'],
  ['amt/v1/t/h/state/', 'unknown-leaf'],
]

test('parseTopic rejects foreign and malformed topics with a reason', (t) => {
  for (const [topic, reason] of FOREIGN_TOPICS) {
    const parsed = parseTopic(topic)
    t.like(parsed, { ok: false, reason }, JSON.stringify(topic))
    if (!parsed.ok) t.true(parsed.detail.length > 0 && parsed.detail.length < 200)
  }
})

test('parseTopic survives huge topics and keeps the detail short', (t) => {
  const parsed = parseTopic(`amt/v1/t/h/${'x/'.repeat(50_000)}`)
  t.like(parsed, { ok: false, reason: 'unknown-leaf' })
  if (!parsed.ok) t.true(parsed.detail.length < 200)
})

const ALL: Leaf[] = [...LEAVES]
const multi: FilterSegment = { kind: 'multi' }
const single: FilterSegment = { kind: 'single' }
const exact = (value: string): FilterSegment => ({ kind: 'exact', value })
const SINGLE_LEVEL_LEAVES = LEAVES.filter((leaf) => !leaf.includes('/'))

const FILTERS: [filter: string, expected: ParsedFilter | null][] = [
  ['amt/v1/#', { tenant: multi, host: multi, leaves: ALL }],
  ['amt/v1/+/+/desired', { tenant: single, host: single, leaves: ['desired'] }],
  ['amt/v1/t/h/secret/+', { tenant: exact('t'), host: exact('h'), leaves: ['secret/req', 'secret/res'] }],
  ['#', { tenant: multi, host: multi, leaves: ALL }],
  ['+/#', { tenant: multi, host: multi, leaves: ALL }],
  ['amt/#', { tenant: multi, host: multi, leaves: ALL }],
  ['+/+/+/+/state', { tenant: single, host: single, leaves: ['state'] }],
  ['$SYS/#', null],
  ['$SYS/broker/uptime', null],
  ['amt/v1/t/#', { tenant: exact('t'), host: multi, leaves: ALL }],
  ['amt/v1/t/+/status', { tenant: exact('t'), host: single, leaves: ['status'] }],
  ['amt/v1/t/h/#', { tenant: exact('t'), host: exact('h'), leaves: ALL }],
  ['amt/v1/t/h/secret/#', { tenant: exact('t'), host: exact('h'), leaves: ['secret/req', 'secret/res'] }],
  ['amt/v1/t/h/+', { tenant: exact('t'), host: exact('h'), leaves: SINGLE_LEVEL_LEAVES }],
  ['amt/v1/t/h/+/+', { tenant: exact('t'), host: exact('h'), leaves: ['secret/req', 'secret/res'] }],
  ['amt/v1/t/h/+/req', { tenant: exact('t'), host: exact('h'), leaves: ['secret/req'] }],
  ['amt/v1/t/h/state', { tenant: exact('t'), host: exact('h'), leaves: ['state'] }],
  ['amt/v1/t/h', { tenant: exact('t'), host: exact('h'), leaves: [] }],
  ['amt/v1/t/h/nope', { tenant: exact('t'), host: exact('h'), leaves: [] }],
  ['amt/v1/t/h/state/x', { tenant: exact('t'), host: exact('h'), leaves: [] }],
  ['amt/v1/t+/h/state', null],
  ['amt/v1/t/h#/state', null],
  ['amt/v1/#/x', null],
  ['amt/v1/t/h/#/', null],
  ['amt/v1/t/h/state#', null],
  ['amt/v1//h/state', null],
  ['amt/v1/.t/h/state', null],
  ['amt/v1/t', null],
  ['amt/v1', null],
  ['amt/v2/#', null],
  ['other/v1/t/h/state', null],
  ['', null],
  // Shared subscriptions are not understood: a broker must strip `$share/<group>/` before asking.
  ['$share/managers/amt/v1/+/+/state', null],
]

for (const [filter, expected] of FILTERS) {
  test(`parseTopicFilter ${JSON.stringify(filter)}`, (t) => {
    t.deepEqual(parseTopicFilter(filter), expected)
  })
}

test('every concrete topic parses as a filter that matches exactly its leaf', (t) => {
  for (const leaf of LEAVES) {
    t.deepEqual(parseTopicFilter(buildTopic({ tenantId: 'acme', hostId: 'h1', leaf })), {
      tenant: exact('acme'),
      host: exact('h1'),
      leaves: [leaf],
    })
  }
})

test('allHostsFilter and tenantFilter build filters the parser understands', (t) => {
  for (const leaf of LEAVES) {
    t.is(allHostsFilter(leaf), `amt/v1/+/+/${leaf}`)
    t.deepEqual(parseTopicFilter(allHostsFilter(leaf)), { tenant: single, host: single, leaves: [leaf] })
    t.is(tenantFilter('acme', leaf), `amt/v1/acme/+/${leaf}`)
    t.deepEqual(parseTopicFilter(tenantFilter('acme', leaf)), { tenant: exact('acme'), host: single, leaves: [leaf] })
  }
})

test('LEAF_RULES: agent and manager leaves partition the leaves; secrets are never retained', (t) => {
  t.deepEqual([...AGENT_LEAVES, ...MANAGER_LEAVES].sort(), [...LEAVES].sort())
  t.true(AGENT_LEAVES.every((leaf) => LEAF_RULES[leaf].from === 'agent'))
  t.true(MANAGER_LEAVES.every((leaf) => LEAF_RULES[leaf].from === 'manager'))
  t.false(LEAF_RULES['secret/req'].retained)
  t.false(LEAF_RULES['secret/res'].retained)
  t.like(LEAF_RULES.desired, { from: 'manager', retained: true, qos: 1 })
})
