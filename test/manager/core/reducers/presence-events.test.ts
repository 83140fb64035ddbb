import test from 'ava'
import { AgentMessages, metricValue, seedHost, startTestCore, TENANT } from '../../../helpers/manager-core.ts'

const presence = (online: boolean) => ({ online, agentVersion: '0.1.0' })

test('presence: birth sets online, bootId and lastSeen, and is published on status', async (t) => {
  const { dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const birth = agent.encode('presence', presence(true))
  t.like(await dispatch(birth.topic, birth.payload, false), { outcome: 'accepted', changed: true })
  const stored = await inventory.getHost(host)
  t.like(stored, { online: true, bootId: agent.bootId, lastSeq: { presence: 0 } })
  t.truthy(stored.lastSeen)
  t.like(outbound.last(host, 'status'), { online: true, lastSeen: stored.lastSeen })
})

test('presence: the last will of the same boot sets offline', async (t) => {
  const { dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  for (const online of [true, false]) {
    const { topic, payload } = agent.encode('presence', presence(online))
    await dispatch(topic, payload, false)
  }
  t.like(await inventory.getHost(host), { online: false, lastSeq: { presence: 1 } })
  t.like(outbound.last(host, 'status'), { online: false })
})

test('presence: a live last will of an earlier boot after the new birth is stale', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const oldWill = agent.encode('presence', presence(false), 1)
  agent.reboot()
  const birth = agent.encode('presence', presence(true))
  await dispatch(birth.topic, birth.payload, false)
  const before = await inventory.getHost(host)
  t.like(await dispatch(oldWill.topic, oldWill.payload, false), { outcome: 'rejected', reason: 'stale' })
  t.deepEqual(await inventory.getHost(host), before)
  t.is(await metricValue(metrics.rejections, { reason: 'stale' }), 1)
})

test('presence: a retained offline of another boot (replayed on subscribe) is accepted', async (t) => {
  const { dispatch, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const birth = agent.encode('presence', presence(true))
  await dispatch(birth.topic, birth.payload, false)
  agent.reboot()
  const will = agent.encode('presence', presence(false), 1)
  t.like(await dispatch(will.topic, will.payload, true), { outcome: 'accepted' })
  t.like(await inventory.getHost(host), { online: false, bootId: agent.bootId })
})

test('events: appended to the audit trail in order, one transaction per batch, host fields untouched but lastSeen', async (t) => {
  const { dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const kinds = [
    'desired.accepted',
    'rpc.started',
    'rpc.failed',
    'retry.scheduled',
    'rpc.started',
    'rpc.finished',
  ] as const
  const messages = kinds.map((kind, i) =>
    agent.encode('events', { kind, message: `step ${i}`, generation: 1, detail: { attempt: i } }),
  )
  const outcomes = await Promise.all(messages.map(({ topic, payload }) => dispatch(topic, payload, false)))
  t.true(outcomes.every((outcome) => outcome.outcome === 'accepted'))
  const audit = (await inventory.listAudit(TENANT, { hostId: 'h-1' })).reverse()
  t.deepEqual(
    audit.map((event) => event.kind),
    kinds.map((kind) => `agent.${kind}`),
  )
  t.like(audit[2], { actor: 'agent', detail: { message: 'step 2', generation: 1, detail: { attempt: 2 } } })
  const stored = await inventory.getHost(host)
  t.like(stored, { status: 'Unknown', online: false, lastSeq: { events: 5 } })
  t.truthy(stored.lastSeen)
  t.is(outbound.payloads(host, 'status').length, 1, 'one status for the first lastSeen, none per event')
})
