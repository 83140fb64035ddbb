import test, { type ExecutionContext } from 'ava'
import { AgentMessages, seedHost, TENANT } from '../../helpers/manager-core.ts'
import { sharedDataDir, startReplica } from './replica-pair.ts'

// Two manager replicas (each its own core: HostBook cache + write queue) on ONE SQLite file, the Inventory they
// share. What one writes, the other finds behind its cache: its writes re-read and re-apply (version check), its
// reads for decisions are fresh, and nothing one wrote is overwritten by the other (docs/replicas.md).

const key = { tenantId: TENANT, hostId: 'node-1' }
const unprovisioned = {
  phase: 'UNPROVISIONED' as const,
  observedGeneration: 0,
  controlMode: 'PRE_PROVISIONING' as const,
  remoteStatus: null,
}

async function pair(t: ExecutionContext) {
  const dataDir = await sharedDataDir(t)
  const a = await startReplica(t, dataDir)
  const b = await startReplica(t, dataDir)
  await seedHost(a.inventory, key.hostId)
  return { a, b }
}

test('desired set through replica A is what replica B reads, though B had the host cached', async (t) => {
  const { a, b } = await pair(t)
  const cached = await b.core.getHost(key)
  t.is(cached?.desiredGeneration, 0)
  await a.core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'admin')
  const read = await b.core.getHost(key)
  t.is(read?.desiredState, 'PROVISIONED', 'B reads the host as Inventory holds it, not its cached copy')
  t.is(read?.desiredGeneration, 1)
  t.is((await b.inventory.getHost(key)).desiredGeneration, 1)
})

test('a deletion requested through replica A stops an activation through B, though B had the host cached', async (t) => {
  const { a, b } = await pair(t)
  await a.core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'admin')
  t.is((await b.core.getHost(key))?.deletion, 'none') // B caches the host
  t.is(await a.core.requestDeletion(key, 'admin'), 'pending')
  const err = await t.throwsAsync(b.core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'admin'))
  t.like(err, { code: 'DESIRED_HOST_DELETING' })
  t.like(await b.inventory.getHost(key), { desiredState: 'UNPROVISIONED', deletion: 'pending' })
})

test('a state report B processes after A wrote desired keeps A desired fields (B re-reads and re-applies)', async (t) => {
  const { a, b } = await pair(t)
  const agent = new AgentMessages(key)
  const first = agent.encode('state', unprovisioned)
  t.like(await b.dispatch(first.topic, first.payload, false), { outcome: 'accepted' }) // B caches the host
  const [desired] = await a.core.setDesired({ keys: [key] }, { state: 'PROVISIONED', controlMode: 'ACM' }, 'admin')
  const next = agent.encode('state', { ...unprovisioned, phase: 'ACTIVATING' })
  t.like(await b.dispatch(next.topic, next.payload, false), { outcome: 'accepted' })
  const stored = await a.inventory.getHost(key)
  t.is(stored.phase, 'ACTIVATING', "B's report is stored")
  t.is(stored.desiredState, 'PROVISIONED', "A's desired state is kept")
  t.is(stored.controlMode, 'ACM')
  t.is(stored.desiredGeneration, 1)
  t.is(stored.version, (desired?.version ?? 0) + 1, 'one write on top of A’s')
})

test("B's write through the HostWriter port after A's write re-reads the host: no lost update", async (t) => {
  const { a, b } = await pair(t)
  await b.core.getHost(key)
  await a.core.updateHost(key, { name: 'by A' })
  await b.core.updateHost(key, { powerStatus: 'power on requested' })
  const stored = await a.inventory.getHost(key)
  t.is(stored.name, 'by A')
  t.is(stored.powerStatus, 'power on requested')
})

test('desired written through both replicas at once: every generation counted, each audited once', async (t) => {
  const { a, b } = await pair(t)
  const rounds = 10
  await Promise.all(
    Array.from({ length: rounds }, (_, index) =>
      [a, b].map((replica) =>
        replica.core.setDesired({ keys: [key] }, { state: index % 2 === 0 ? 'PROVISIONED' : 'UNPROVISIONED' }, 'op'),
      ),
    ).flat(),
  )
  t.is((await a.inventory.getHost(key)).desiredGeneration, 2 * rounds)
  const audit = await a.inventory.listAudit(TENANT, { hostId: key.hostId, limit: 100 })
  const generations = audit.filter((event) => event.kind === 'desired.set').map((event) => event.detail)
  t.is(generations.length, 2 * rounds)
  const unique = new Set(generations.map((detail) => (detail as { generation: number }).generation))
  t.is(unique.size, 2 * rounds, 'each generation once')
})

test('reports of one host alternating between the replicas: an older seq never overwrites a newer one', async (t) => {
  const { a, b } = await pair(t)
  const agent = new AgentMessages(key)
  const phases = ['UNPROVISIONED', 'ACTIVATING'] as const
  const reports = Array.from({ length: 40 }, (_, index) =>
    agent.encode('state', { ...unprovisioned, phase: phases[index % 2] ?? 'UNPROVISIONED', reason: `r${index}` }),
  )
  // All at once, alternating replicas: each replica batches what it got; the two race on one row.
  const results = await Promise.all(
    reports.map(({ topic, payload }, index) => (index % 2 === 0 ? a : b).dispatch(topic, payload, false)),
  )
  const accepted = results.flatMap((result, index) => (result.outcome === 'accepted' ? [index] : []))
  const rejected = results.filter((result) => result.outcome === 'rejected')
  t.true(
    rejected.every((result) => 'reason' in result && result.reason === 'stale'),
    'only stale ones dropped',
  )
  t.is(accepted.length + rejected.length, reports.length)
  const stored = await a.inventory.getHost(key)
  t.is(stored.lastSeq.state, reports.length - 1, 'the last report is the one stored last')
  // A state audit event per accepted report that moved the phase: each once, in seq order.
  const audit = await a.inventory.listAudit(TENANT, { hostId: key.hostId, limit: 100 })
  const states = audit.filter((event) => event.kind === 'state').reverse()
  const seqOrder = states.map((event) => Number((event.detail as { reason: string }).reason.slice(1)))
  t.deepEqual(
    seqOrder,
    [...seqOrder].sort((x, y) => x - y),
    'stored in seq order',
  )
  t.is(new Set(seqOrder).size, seqOrder.length, 'none twice')
  t.is(seqOrder.at(-1), reports.length - 1)
})
