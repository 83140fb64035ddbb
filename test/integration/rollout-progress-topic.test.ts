import test from 'ava'
import {
  decodeRolloutProgress,
  tenantRolloutsFilter,
  type RolloutProgressPayload,
} from '../../schemas/rollout-progress.ts'
import { connectClient, subscribeCodes } from '../broker/support/mqtt-clients.ts'
import { FLEET_TEST_MS, registerFleet, startFleet, startFleetManager, TENANT, until, within } from './fleet-harness.ts'

/**
 * An integrator of the tenant, subscribed to its rollouts' progress on the manager's embedded broker, sees a small
 * rollout of real agents advance to its final state; an integrator of another tenant cannot subscribe to it.
 */
const COUNT = 20
const INTEGRATOR = { username: 'fleet-reader', password: 'fleet-reader-password-1' }
const STRANGER = { username: 'other-reader', password: 'other-reader-password-1' }

test(`an integrator sees the progress of a rollout of ${COUNT} hosts advance to its final counts`, async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t, {}, [
    { ...INTEGRATOR, role: 'integrator', tenantId: TENANT },
    { ...STRANGER, role: 'integrator', tenantId: 'other' },
  ])
  const { fleet } = startFleet(t, manager, await registerFleet(manager, COUNT))
  await fleet.start()
  await until(async () => {
    const waiting = (await manager.hosts()).filter((host) => host.phase === null)
    return waiting.length === 0 || `${waiting.length} hosts without a state report`
  }, 'every first state report in Inventory')

  const reader = await connectClient(t, manager.running.brokerUrl, INTEGRATOR)
  const seen: Array<{ topic: string; retain: boolean; payload: RolloutProgressPayload | null }> = []
  reader.on('message', (topic, payload, packet) =>
    seen.push({ topic, retain: packet.retain, payload: decodeRolloutProgress(payload) }),
  )
  t.deepEqual(await subscribeCodes(reader, [tenantRolloutsFilter(TENANT)]), [1])
  const stranger = await connectClient(t, manager.running.brokerUrl, STRANGER)
  t.deepEqual(await subscribeCodes(stranger, [tenantRolloutsFilter(TENANT), `amt/v1/${TENANT}/#`]), [0x80, 0x80])

  const created = await manager.api<{ rolloutId: string }>('POST', `/api/v1/tenants/${TENANT}/rollouts`, {
    desiredAmtState: 'PROVISIONED',
    controls: { maxConcurrent: 5, maxStartsPerMinute: 600 },
  })
  t.is(created.status, 201)
  const id = created.json.rolloutId
  await until(
    () => seen.at(-1)?.payload?.state === 'completed' || `last seen: ${JSON.stringify(seen.at(-1)?.payload?.counts)}`,
    'the final progress message at the integrator',
  )

  const topic = `amt/v1/${TENANT}/_rollouts/${id}/progress`
  t.true(
    seen.every((message) => message.topic === topic && message.payload !== null),
    'valid progress payloads of this rollout only',
  )
  const counts = seen.map((message) => message.payload?.counts)
  t.log(`${counts.length} progress messages`)
  t.true(counts.length >= 2, `${counts.length} messages: at least one while running, then the final one`)
  for (let i = 1; i < counts.length; i++) {
    t.true((counts[i]?.pending ?? 0) <= (counts[i - 1]?.pending ?? 0), 'pending never grows')
    t.true((counts[i]?.succeeded ?? 0) >= (counts[i - 1]?.succeeded ?? 0), 'succeeded never shrinks')
  }
  t.is(seen[0]?.payload?.state, 'running')
  const api = await manager.api<{ progress: Record<string, unknown> }>(
    'GET',
    `/api/v1/tenants/${TENANT}/rollouts/${id}`,
  )
  const final = seen.at(-1)?.payload?.counts
  t.like(api.json.progress, {
    targeted: final?.targeted,
    succeeded: final?.succeeded,
    notSupported: final?.notSupported,
    failed: final?.failed,
  })
  t.like(final, { targeted: COUNT, pending: 0, inProgress: 0, failed: 0, succeeded: 18, notSupported: 2 })

  // Retained: an integrator arriving later gets the final state at once, through its tenant's wide filter too.
  const late = await connectClient(t, manager.running.brokerUrl, INTEGRATOR, {
    clientId: `${INTEGRATOR.username}:late`,
  })
  const retained = new Promise<{ retain: boolean; payload: RolloutProgressPayload | null }>((resolve) =>
    late.on('message', (at, payload, packet) => {
      if (at === topic) resolve({ retain: packet.retain, payload: decodeRolloutProgress(payload) })
    }),
  )
  t.deepEqual(await subscribeCodes(late, [`amt/v1/${TENANT}/#`]), [1])
  const { retain, payload } = await within(retained, 'the retained progress at a late subscriber')
  t.true(retain)
  t.like(payload, { rolloutId: id, state: 'completed', counts: final })
})
