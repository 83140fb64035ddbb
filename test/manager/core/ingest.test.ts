import test from 'ava'
import { AgentMessages, capable, metricValue, seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'

const stateBody = (phase: 'UNPROVISIONED' | 'ACTIVATING' | 'PROVISIONED') => ({
  phase,
  observedGeneration: 0,
  controlMode: phase === 'PROVISIONED' ? ('CCM' as const) : ('PRE_PROVISIONING' as const),
  remoteStatus: null,
})

test('a host changed behind the cache (direct Inventory write) is re-read, and both writes survive', async (t) => {
  const { dispatch, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const birth = agent.encode('presence', { online: true, agentVersion: '1' })
  await dispatch(birth.topic, birth.payload, false)
  await inventory.updateHost(host, { name: 'renamed' })
  const state = agent.encode('state', stateBody('PROVISIONED'))
  t.like(await dispatch(state.topic, state.payload, false), { outcome: 'accepted' })
  t.like(await inventory.getHost(host), {
    name: 'renamed',
    online: true,
    phase: 'PROVISIONED',
    currentState: 'PROVISIONED',
  })
})

test('many hosts reporting at once are stored in few transactions, each host in order', async (t) => {
  const { dispatch, inventory, metrics, outbound } = await startTestCore(t, { options: { maxBatch: 500 } })
  await inventory.createTenant({ tenantId: TENANT })
  const hosts = await inventory.createHosts(
    Array.from({ length: 200 }, (_, i) => ({ tenantId: TENANT, hostId: `h-${i}` })),
  )
  const agents = hosts.map((host) => new AgentMessages(host))
  const messages = agents.flatMap((agent) => [
    agent.encode('presence', { online: true, agentVersion: '1' }),
    agent.encode('state', stateBody('UNPROVISIONED')),
    agent.encode('state', stateBody('ACTIVATING')),
    agent.encode('state', stateBody('PROVISIONED')),
  ])
  const outcomes = await Promise.all(messages.map(({ topic, payload }) => dispatch(topic, payload, false)))
  t.true(outcomes.every((outcome) => outcome.outcome === 'accepted'))
  const { hosts: stored } = await inventory.listHosts({ tenantId: TENANT, limit: 1000 })
  t.true(
    stored.every(
      (host) =>
        host.phase === 'PROVISIONED' &&
        host.online &&
        host.lastSeq.state === 3 &&
        host.status === 'AMT Activation Done',
    ),
  )
  const { values } = await metrics.ingestBatchSize.get()
  const transactions = values.find((value) => value.metricName === 'amt_manager_ingest_batch_size_count')?.value ?? 0
  t.true(
    transactions > 0 && transactions <= messages.length / 100,
    `${transactions} transactions for ${messages.length} reports`,
  )
  t.is(await metricValue(metrics.messages, { leaf: 'state' }), 600)
  t.true(hosts.every((host) => outbound.last(host, 'status')?.status === 'AMT Activation Done'))
})

test('one batch: per host in order, a duplicate dropped, a new boot resets lastSeq, one patch per host', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const [one, two] = [await seedHost(inventory, 'h-1'), await seedHost(inventory, 'h-2')]
  const [first, second] = [new AgentMessages(one), new AgentMessages(two)]
  const before = second.encode('presence', { online: true, agentVersion: '1' }, 3)
  await dispatch(before.topic, before.payload, false)
  const batches = async () =>
    (await metrics.ingestBatchSize.get()).values.find((v) => v.metricName === 'amt_manager_ingest_batch_size_count')
      ?.value ?? 0
  const batchesBefore = await batches()
  const messages = [
    first.encode('presence', { online: true, agentVersion: '1' }, 5),
    first.encode('capability', capable(), 6),
    first.encode('state', stateBody('ACTIVATING'), 7),
    first.encode('state', stateBody('ACTIVATING'), 7),
    second.encode('state', stateBody('UNPROVISIONED'), 4),
  ]
  first.reboot()
  messages.push(
    first.encode('presence', { online: true, agentVersion: '2' }, 0),
    first.encode('state', stateBody('PROVISIONED'), 1),
  )
  const outcomes = await Promise.all(messages.map(({ topic, payload }) => dispatch(topic, payload, false)))
  t.is((await batches()) - batchesBefore, 1, 'all in one batch')
  t.deepEqual(
    outcomes.map((outcome) => (outcome.outcome === 'rejected' ? outcome.reason : outcome.outcome)),
    ['accepted', 'accepted', 'accepted', 'duplicate', 'accepted', 'accepted', 'accepted'],
  )
  t.like(await inventory.getHost(one), {
    bootId: first.bootId,
    lastSeq: { presence: 0, state: 1 },
    phase: 'PROVISIONED',
    sku: 'AMT',
    online: true,
  })
  t.deepEqual((await inventory.getHost(one)).lastSeq, { presence: 0, state: 1 }, "the earlier boot's seqs are gone")
  t.deepEqual((await inventory.getHost(two)).lastSeq, { presence: 3, state: 4 }, 'one report: merged with the stored')
  const trail = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.deepEqual(
    trail.map((event) => event.kind).sort(),
    ['agent.online', 'capability', 'state', 'state'],
    'every change audited once: online, the capability, ACTIVATING, PROVISIONED (not the duplicate)',
  )
})

test('sole writer: a report that changes nothing is not written within a minute of the stored lastSeen', async (t) => {
  let at = Date.parse('2026-12-07T12:00:00.000Z')
  const { dispatch, inventory } = await startTestCore(t, { now: () => new Date(at), options: { soleWriter: true } })
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const send = (message: { topic: string; payload: Buffer }) => dispatch(message.topic, message.payload, false)
  await send(agent.encode('presence', { online: true, agentVersion: '1' }))
  await send(agent.encode('state', stateBody('PROVISIONED')))
  const written = await inventory.getHost(host)

  at += 10_000
  const again = agent.encode('state', stateBody('PROVISIONED'))
  t.like(await send(again), { outcome: 'accepted', changed: false })
  t.like(await inventory.getHost(host), { version: written.version, lastSeen: written.lastSeen }, 'not written')
  t.like(await send(again), { outcome: 'rejected', reason: 'duplicate' }, 'its seq counts all the same')

  at += 10_000
  await send(agent.encode('presence', { online: true, agentVersion: '1' }))
  t.like(
    await inventory.getHost(host),
    { version: written.version + 1, lastSeen: new Date(at).toISOString(), lastSeq: { state: agent.seq - 2 } },
    'a presence (a reconnection) is always written, with the seqs of the quiet reports before it',
  )

  at += 60_000
  await send(agent.encode('state', stateBody('PROVISIONED')))
  t.like(
    await inventory.getHost(host),
    { version: written.version + 2, lastSeen: new Date(at).toISOString() },
    'a minute later the lastSeen is written',
  )
  agent.reboot()
  await send(agent.encode('state', stateBody('PROVISIONED')))
  t.like(await inventory.getHost(host), { version: written.version + 3, bootId: agent.bootId }, 'a new boot: written')
})

test('not the sole writer (replicas): every accepted report is written', async (t) => {
  const { dispatch, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const send = (message: { topic: string; payload: Buffer }) => dispatch(message.topic, message.payload, false)
  await send(agent.encode('state', stateBody('PROVISIONED')))
  const written = await inventory.getHost(host)
  t.like(await send(agent.encode('state', stateBody('PROVISIONED'))), { outcome: 'accepted', changed: false })
  t.like(await inventory.getHost(host), { version: written.version + 1, lastSeq: { state: 1 } })
})
