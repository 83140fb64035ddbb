import test from 'ava'
import { AgentMessages, metricValue, seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'

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
