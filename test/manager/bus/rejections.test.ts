import test from 'ava'
import { buildTopic } from '../../../schemas/index.ts'
import { AgentMessages, capable, metricValue, seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'

const stateBody = {
  phase: 'UNPROVISIONED' as const,
  observedGeneration: 0,
  controlMode: 'PRE_PROVISIONING' as const,
  remoteStatus: null,
}

/** Malformed input: rejected with its reason, counted, nothing stored changes, nothing published. */
const MALFORMED: Record<
  string,
  { reason: string; message: (agent: AgentMessages) => { topic: string; payload: Buffer } }
> = {
  'not JSON': {
    reason: 'bad-json',
    message: (agent) => ({ topic: agent.topic('state'), payload: Buffer.from('{"v":1,') }),
  },
  'not UTF-8': {
    reason: 'bad-json',
    message: (agent) => ({ topic: agent.topic('state'), payload: Buffer.from([0xff, 0xfe, 0x7b]) }),
  },
  'a JSON array': {
    reason: 'bad-json',
    message: (agent) => ({ topic: agent.topic('state'), payload: Buffer.from('[1]') }),
  },
  'an unknown schema version': {
    reason: 'unsupported-version',
    message: (agent) => ({
      topic: agent.topic('state'),
      payload: Buffer.from(JSON.stringify({ ...agent.envelope(), ...stateBody, v: 2 })),
    }),
  },
  'a schema violation': {
    reason: 'schema',
    message: (agent) => ({
      topic: agent.topic('state'),
      payload: Buffer.from(JSON.stringify({ ...agent.envelope(), ...stateBody, phase: 'HAPPY' })),
    }),
  },
  'an unknown key (e.g. a password)': {
    reason: 'schema',
    message: (agent) => ({
      topic: agent.topic('state'),
      payload: Buffer.from(JSON.stringify({ ...agent.envelope(), ...stateBody, password: 'P@ssw0rd!' })),
    }),
  },
  'a payload hostId other than the topic host': {
    reason: 'host-mismatch',
    message: (agent) => ({
      topic: agent.topic('state'),
      payload: Buffer.from(JSON.stringify({ ...agent.envelope(), ...stateBody, hostId: 'h-2' })),
    }),
  },
  'a topic outside the tree': {
    reason: 'bad-topic',
    message: () => ({ topic: 'amt/v2/acme/h-1/state', payload: Buffer.from('{}') }),
  },
  'an unknown leaf': {
    reason: 'unknown-leaf',
    message: () => ({ topic: 'amt/v1/acme/h-1/telemetry', payload: Buffer.from('{}') }),
  },
  'an empty payload on a non-retained leaf': {
    reason: 'bad-json',
    message: (agent) => ({ topic: agent.topic('events'), payload: Buffer.alloc(0) }),
  },
  'a manager leaf': {
    reason: 'not-agent-leaf',
    message: (agent) => ({
      topic: agent.topic('desired'),
      payload: Buffer.from(
        JSON.stringify({
          v: 1,
          ts: new Date().toISOString(),
          hostId: 'h-1',
          generation: 1,
          state: 'PROVISIONED',
          controlMode: 'CCM',
        }),
      ),
    }),
  },
}

for (const [name, { reason, message }] of Object.entries(MALFORMED)) {
  test(`rejected: ${name} (${reason})`, async (t) => {
    const { dispatch, inventory, outbound, metrics } = await startTestCore(t)
    const host = await seedHost(inventory, 'h-1')
    const agent = new AgentMessages(host)
    const { topic, payload } = message(agent)
    const outcome = await dispatch(topic, payload, false)
    t.like(outcome, { outcome: 'rejected', reason })
    t.false(JSON.stringify(outcome).includes('P@ssw0rd!'), 'a rejection never quotes the payload')
    t.is(await metricValue(metrics.rejections, { reason }), 1)
    t.deepEqual(await inventory.getHost(host), host)
    t.is(outbound.published.length, 0)
  })
}

test('rejected: a message of a host unknown to Inventory (unknown-host)', async (t) => {
  const { dispatch, inventory, outbound, metrics } = await startTestCore(t)
  await seedHost(inventory, 'h-1')
  const stranger = new AgentMessages({ tenantId: TENANT, hostId: 'h-404' })
  const { topic, payload } = stranger.encode('state', stateBody)
  t.like(await dispatch(topic, payload, false), { outcome: 'rejected', reason: 'unknown-host' })
  const otherTenant = new AgentMessages({ tenantId: 'globex', hostId: 'h-1' }).encode('presence', {
    online: true,
    agentVersion: '1',
  })
  t.like(await dispatch(otherTenant.topic, otherTenant.payload, false), { outcome: 'rejected', reason: 'unknown-host' })
  t.is(await metricValue(metrics.rejections, { reason: 'unknown-host' }), 2)
  t.is(outbound.published.length, 0)
  t.is((await inventory.listHosts()).hosts.length, 1)
})

test('rejected: the same seq again (duplicate) and an older seq (stale) of the same boot', async (t) => {
  const { dispatch, inventory, outbound, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const fifth = agent.encode('state', stateBody, 5)
  await dispatch(fifth.topic, fifth.payload, false)
  const stored = await inventory.getHost(host)
  const published = outbound.published.length

  t.like(await dispatch(fifth.topic, fifth.payload, true), { outcome: 'rejected', reason: 'duplicate' })
  const older = agent.encode('state', { ...stateBody, phase: 'FAILED', reason: 'old news' }, 3)
  t.like(await dispatch(older.topic, older.payload, false), { outcome: 'rejected', reason: 'stale' })

  t.deepEqual(await inventory.getHost(host), stored)
  t.is(outbound.published.length, published)
  t.is(await metricValue(metrics.rejections, { reason: 'duplicate' }), 1)
  t.is(await metricValue(metrics.rejections, { reason: 'stale' }), 1)
})

test('ordering is per leaf: a lower seq on another leaf is accepted', async (t) => {
  const { dispatch, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const state = agent.encode('state', stateBody, 7)
  const capability = agent.encode('capability', capable(), 6)
  await dispatch(state.topic, state.payload, false)
  t.like(await dispatch(capability.topic, capability.payload, false), { outcome: 'accepted' })
  t.like(await inventory.getHost(host), { sku: 'AMT', lastSeq: { state: 7, capability: 6 } })
})

test('a new bootId resets the ordering: a low seq of the new boot is accepted', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const late = agent.encode('state', { ...stateBody, phase: 'PROVISIONED', controlMode: 'CCM' }, 40)
  const capability = agent.encode('capability', capable(), 41)
  await dispatch(late.topic, late.payload, false)
  await dispatch(capability.topic, capability.payload, false)
  agent.reboot()
  const fresh = agent.encode('state', stateBody, 2)
  t.like(await dispatch(fresh.topic, fresh.payload, false), { outcome: 'accepted' })
  const stored = await inventory.getHost(host)
  t.like(stored, { bootId: agent.bootId, phase: 'UNPROVISIONED', currentState: 'UNPROVISIONED' })
  t.deepEqual(stored.lastSeq, { state: 2 })
  t.is(await metricValue(metrics.rejections, { reason: 'stale' }), 0)
})

test('a cleared retained topic (empty payload) is counted and ignored', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  t.like(await dispatch(buildTopic({ ...host, leaf: 'state' }), Buffer.alloc(0), true), { outcome: 'cleared' })
  t.deepEqual(await inventory.getHost(host), host)
  t.is(await metricValue(metrics.messages, { leaf: 'state' }), 1)
})

test('messages are counted by leaf', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  for (const { topic, payload } of [
    agent.encode('presence', { online: true, agentVersion: '1' }),
    agent.encode('state', stateBody),
    agent.encode('state', stateBody),
  ]) {
    await dispatch(topic, payload, false)
  }
  await dispatch('amt/v2/x', Buffer.from('{}'), false)
  t.is(await metricValue(metrics.messages, { leaf: 'presence' }), 1)
  t.is(await metricValue(metrics.messages, { leaf: 'state' }), 2)
  t.is(await metricValue(metrics.messages, { leaf: 'unknown' }), 1)
  const exposition = await metrics.registry.metrics()
  t.regex(exposition, /amt_manager_rejections_total\{reason="bad-topic"\} 1/)
  t.regex(
    exposition,
    /amt_manager_hosts\{desired_state="UNSPECIFIED",current_state="UNPROVISIONED",status_indicator="IDLE",phase="UNPROVISIONED"\} 1/,
  )
})
