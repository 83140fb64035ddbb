import test from 'ava'
import { FACTS_OF_PAYLOAD, reportOf } from '../../../../manager/bus/mqtt-report.ts'
import type { ReportKind } from '../../../../manager/core/facts.ts'
import { HANDLERS } from '../../../../manager/core/reducers/index.ts'
import { decodeMessage, encodePayload, type DecodedMessage } from '../../../../schemas/index.ts'
import { AGENT_LEAVES, LEAVES, MANAGER_LEAVES, type AgentLeaf, type Leaf } from '../../../../schemas/topics.ts'
import { seedHost, startTestCore } from '../../../helpers/manager-core.ts'
import {
  EXAMPLE_BOOT_ID,
  EXAMPLE_HOST_ID,
  EXAMPLE_TENANT_ID,
  EXAMPLES,
  exampleTopic,
} from '../../../schemas/examples.ts'

/**
 * A new leaf is its schema, its topic rule and one handler entry (manager/core/README.md "Adding a leaf"): the
 * tables keyed by report kind must cover every agent leaf of LEAF_RULES and nothing else. The compiler checks it
 * (the types below, and each table's mapped type); these tests check the same at run time, over the tables.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const kindsAreAgentLeaves: Equal<ReportKind, AgentLeaf> = true
const handlersCoverKinds: Equal<keyof typeof HANDLERS, ReportKind> = true
const mappingsCoverKinds: Equal<keyof typeof FACTS_OF_PAYLOAD, ReportKind> = true

const ENVELOPE_KEYS = ['v', 'ts', 'hostId', 'bootId', 'seq']

function decodedExample(leaf: Leaf): DecodedMessage {
  const decoded = decodeMessage(exampleTopic(leaf), encodePayload(leaf, EXAMPLES[leaf]))
  if (decoded.kind !== 'message') throw new Error(`the example of ${leaf} does not decode: ${JSON.stringify(decoded)}`)
  return decoded
}

test('types: the report kinds are the agent leaves, and both tables are keyed by them', (t) => {
  t.true(kindsAreAgentLeaves && handlersCoverKinds && mappingsCoverKinds)
})

test('every agent leaf of LEAF_RULES has one handler and one MQTT mapping; no other key has either', (t) => {
  t.deepEqual([...AGENT_LEAVES, ...MANAGER_LEAVES].sort(), [...LEAVES].sort())
  t.deepEqual(Object.keys(HANDLERS).sort(), [...AGENT_LEAVES].sort())
  t.deepEqual(Object.keys(FACTS_OF_PAYLOAD).sort(), [...AGENT_LEAVES].sort())
  for (const leaf of AGENT_LEAVES) {
    t.is(typeof HANDLERS[leaf], 'function', `handler of ${leaf}`)
    t.is(typeof FACTS_OF_PAYLOAD[leaf], 'function', `MQTT mapping of ${leaf}`)
  }
})

test('an agent leaf becomes a report of its kind with the MQTT envelope as source and no envelope in its facts', (t) => {
  for (const leaf of AGENT_LEAVES) {
    const routed = reportOf(decodedExample(leaf), true)
    t.like(routed, {
      report: { kind: leaf },
      source: { kind: 'mqtt', bootId: EXAMPLE_BOOT_ID, seq: EXAMPLES[leaf].seq, retained: true },
    })
    const facts = routed?.report.facts ?? {}
    t.deepEqual(
      ENVELOPE_KEYS.filter((key) => Object.hasOwn(facts, key)),
      [],
      `facts of ${leaf}`,
    )
  }
})

test('a manager leaf is no report', (t) => {
  for (const leaf of MANAGER_LEAVES) t.is(reportOf(decodedExample(leaf), false), null, leaf)
})

test('the example of every agent leaf goes through the dispatcher and the ingest, stored under its leaf', async (t) => {
  const { dispatch, inventory } = await startTestCore(t)
  const key = { tenantId: EXAMPLE_TENANT_ID, hostId: EXAMPLE_HOST_ID }
  await seedHost(inventory, key.hostId, [], key.tenantId)
  for (const leaf of AGENT_LEAVES) {
    const outcome = await dispatch(exampleTopic(leaf), encodePayload(leaf, EXAMPLES[leaf]), false)
    t.is(outcome.outcome, 'accepted', `${leaf}: ${JSON.stringify(outcome)}`)
  }
  const stored = await inventory.getHost(key)
  t.deepEqual(stored.lastSeq, Object.fromEntries(AGENT_LEAVES.map((leaf) => [leaf, EXAMPLES[leaf].seq])))
})
