import test from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { createManagerCore } from '../../../../manager/core/manager-core.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import type { Lease } from '../../../../manager/ports/lease.ts'
import { AgentMessages, RecordingOutbound, seedHost, startTestCore, TENANT } from '../../../helpers/manager-core.ts'

/** A clock the test moves by hand (no waiting on real time). */
function manualClock(start = Date.now()) {
  let ms = start
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) }
}

const MIN = 60_000

test('an activation without a result within the deadline becomes ERROR with a clear text', async (t) => {
  const clock = manualClock()
  const { core, inventory, outbound } = await startTestCore(t, { now: clock.now })
  const host = await seedHost(inventory, 'h-1')
  await core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')
  clock.advance(14 * MIN)
  t.is(await core.checkDeadlines(), 0)
  t.is((await inventory.getHost(host)).statusIndicator, 'UNSPECIFIED')

  clock.advance(1 * MIN)
  t.is(await core.checkDeadlines(), 1)
  const stored = await inventory.getHost(host)
  t.like(stored, {
    status: 'AMT Activation Failed: no result from the agent within 15 min',
    statusIndicator: 'ERROR',
    statusTimestamp: Math.floor(clock.now().getTime() / 1000),
    activationRequestedAt: null,
    desiredState: 'PROVISIONED',
  })
  t.like(outbound.last(host, 'status'), { status: stored.status, statusIndicator: 'ERROR' })
  const [audit] = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.like(audit, { kind: 'activation.deadline', actor: 'manager', detail: { deadline: '15 min' } })
  t.is(await core.checkDeadlines(), 0, 'expired once')
})

test('an activation stuck ACTIVATING past the deadline becomes ERROR too; a later result still wins', async (t) => {
  const clock = manualClock()
  const options = { deadlines: { activationMs: 5 * MIN } }
  const { core, dispatch, inventory } = await startTestCore(t, { now: clock.now, options })
  const host = await seedHost(inventory, 'h-1')
  const [asked] = await core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')
  const agent = new AgentMessages(host)
  const activating = agent.encode('state', {
    phase: 'ACTIVATING',
    observedGeneration: asked?.desiredGeneration ?? 1,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
  })
  await dispatch(activating.topic, activating.payload, false)
  clock.advance(5 * MIN)
  t.is(await core.checkDeadlines(), 1)
  t.like(await inventory.getHost(host), {
    status: 'AMT Activation Failed: no result from the agent within 5 min',
    statusIndicator: 'ERROR',
  })

  const done = agent.encode('state', {
    phase: 'PROVISIONED',
    observedGeneration: 1,
    controlMode: 'CCM',
    remoteStatus: 'connected',
  })
  await dispatch(done.topic, done.payload, false)
  t.like(await inventory.getHost(host), {
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    currentState: 'PROVISIONED',
  })
})

test('a result before the deadline, a deactivation request or not-capable stop the deadline', async (t) => {
  const clock = manualClock()
  const { core, dispatch, inventory } = await startTestCore(t, { now: clock.now })
  const done = await seedHost(inventory, 'h-1')
  const cancelled = await seedHost(inventory, 'h-2')
  const unsupported = await seedHost(inventory, 'h-3')
  await core.setDesired({ keys: [done, cancelled, unsupported] }, { state: 'PROVISIONED' }, 'api:alice')
  const provisioned = new AgentMessages(done).encode('state', {
    phase: 'PROVISIONED',
    observedGeneration: 1,
    controlMode: 'CCM',
    remoteStatus: null,
  })
  await dispatch(provisioned.topic, provisioned.payload, false)
  await core.setDesired({ keys: [cancelled] }, { state: 'UNPROVISIONED' }, 'api:alice')
  const notCapable = { capable: false, sku: 'UNSPECIFIED', reason: 'no ME' } as const
  await core.record(unsupported, { kind: 'capability', facts: notCapable }, { kind: 'grpc' })
  clock.advance(60 * MIN)
  t.is(await core.checkDeadlines(), 0)
  t.is((await inventory.getHost(done)).status, 'AMT Activation Done')
  t.is((await inventory.getHost(unsupported)).status, 'AMT not supported: no ME')
})

test('after a restart, pending activations are found again by the sweep and expire', async (t) => {
  const clock = manualClock()
  const first = await startTestCore(t, { now: clock.now })
  const host = await seedHost(first.inventory, 'h-1', [
    { desiredState: 'PROVISIONED', activationRequestedAt: clock.now().toISOString() },
  ])
  clock.advance(20 * MIN)
  t.is(await first.core.checkDeadlines(), 0, 'nothing known before the sweep')
  await first.core.republishAll()
  t.is(await first.core.checkDeadlines(), 1)
  t.is((await first.inventory.getHost(host)).statusIndicator, 'ERROR')
})

test('with replicas (a shared lease) the holder expires an activation requested through another replica', async (t) => {
  const clock = manualClock()
  const requester = await startTestCore(t, { now: clock.now })
  const { inventory } = requester
  const host = await seedHost(inventory, 'h-1')
  await requester.core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')
  const shared: Lease = {
    name: 'cluster-work',
    held: true,
    shared: true,
    onChange: () => () => undefined,
    stop: () => Promise.resolve(),
  }
  const outbound = new RecordingOutbound()
  const metrics = createManagerMetrics(inventory)
  const holder = createManagerCore({ inventory, outbound, log: silentLogger(), metrics, now: clock.now, lease: shared })
  t.teardown(() => holder.stop())
  clock.advance(15 * MIN)
  t.is(await holder.checkDeadlines(), 1, 'found in Inventory, not in its own memory')
  t.like(await inventory.getHost(host), { statusIndicator: 'ERROR', activationRequestedAt: null })
  t.like(outbound.last(host, 'status'), { statusIndicator: 'ERROR' })
})
