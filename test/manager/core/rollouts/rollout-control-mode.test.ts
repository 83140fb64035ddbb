import test from 'ava'
import type { HostPatch } from '../../../../manager/inventory/port.ts'
import { hostName, rolloutFixture, SUCCEEDED, TENANT } from './rollout-fixture.ts'

/**
 * A member's success is judged on the control mode its agent REPORTS (docs/rollouts.md "Members"): an ACM rollout
 * over hosts activated in CCM, on the fake clock, the agents' answers written as the state reducer stores them.
 */

const IN_CCM: HostPatch = { ...SUCCEEDED, controlMode: 'CCM', reportedControlMode: 'CCM' }
const reports = (mode: 'CCM' | 'ACM' | 'UNKNOWN'): HostPatch => ({ ...SUCCEEDED, reportedControlMode: mode })

test('ACM asked: reported ACM succeeds, reported CCM after the operation fails (ControlModeMismatch), a busy host is in progress until it reports', async (t) => {
  const f = await rolloutFixture(t, 6)
  const key = (index: number) => ({ tenantId: TENANT, hostId: hostName(index) })
  // Every host activated in CCM first (desired CCM, generation 1, reported CCM) — as a CCM fallback leaves them.
  for (let index = 0; index < 6; index++) await f.inventory.updateHost(key(index), { ...IN_CCM, observedGeneration: 1 })
  const busy = hostName(4)
  f.answerWith((host) => {
    if (host.hostId === hostName(2) || host.hostId === hostName(3)) return reports('CCM') // an agent that stays in CCM
    if (host.hostId === busy)
      return { phase: 'DEACTIVATING', statusIndicator: 'IN_PROGRESS', reportedControlMode: 'CCM' }
    if (host.hostId === hostName(5)) return reports('UNKNOWN') // says nothing usable: judged on the desired mode
    return reports('ACM')
  })
  const rollout = await f.service.create({
    tenantId: TENANT,
    target: { filter: {} },
    action: { state: 'PROVISIONED', controlMode: 'ACM' },
    controls: { maxConcurrent: 10, maxStartsPerMinute: 6000 },
    createdBy: 'test',
  })
  await f.run(5)
  t.like(await f.get(rollout.id), { state: 'running' })
  t.like(await f.store.progress(rollout.id), {
    succeeded: 3,
    failed: 2,
    inProgress: 1,
    failedByError: { ControlModeMismatch: 2 },
  })
  const members = await f.store.members(rollout.id)
  t.deepEqual(
    members.filter((m) => m.status === 'failed').map((m) => [m.hostId, m.errorName]),
    [
      [hostName(2), 'ControlModeMismatch'],
      [hostName(3), 'ControlModeMismatch'],
    ],
  )
  t.like(await f.inventory.getHost(key(2)), {
    controlMode: 'ACM',
    currentState: 'PROVISIONED',
    reportedControlMode: 'CCM',
  })

  // The busy host's agent deactivated, then activates: still in progress while UNPROVISIONED or ACTIVATING.
  await f.inventory.updateHost(key(4), {
    phase: 'UNPROVISIONED',
    currentState: 'UNPROVISIONED',
    reportedControlMode: 'PRE_PROVISIONING',
  })
  await f.run(2)
  await f.inventory.updateHost(key(4), { phase: 'ACTIVATING' })
  await f.run(2)
  t.like(await f.store.progress(rollout.id), { inProgress: 1 })
  await f.inventory.updateHost(key(4), { ...reports('ACM') })
  await f.run(2)
  t.like(await f.get(rollout.id), { state: 'completed' })
  t.like(await f.store.progress(rollout.id), { succeeded: 4, failed: 2, inProgress: 0 })
  t.is(f.starts.length, 6, 'each host started once: a failed member is not retried')
})

test('the turn of a host: desired ACM and reported ACM is skipped; desired ACM but reported CCM is started', async (t) => {
  const f = await rolloutFixture(t, 3)
  const key = (index: number) => ({ tenantId: TENANT, hostId: hostName(index) })
  await f.inventory.updateHost(key(0), {
    ...SUCCEEDED,
    controlMode: 'ACM',
    reportedControlMode: 'ACM',
    observedGeneration: 1,
  })
  await f.inventory.updateHost(key(1), {
    ...SUCCEEDED,
    controlMode: 'ACM',
    reportedControlMode: 'CCM',
    observedGeneration: 1,
  })
  await f.inventory.updateHost(key(2), { ...SUCCEEDED, controlMode: 'ACM', observedGeneration: 1 }) // nothing reported
  f.answerWith(() => reports('ACM'))
  const rollout = await f.service.create({
    tenantId: TENANT,
    target: { filter: {} },
    action: { state: 'PROVISIONED', controlMode: 'ACM' },
    controls: { maxConcurrent: 10, maxStartsPerMinute: 6000 },
    createdBy: 'test',
  })
  await f.run(4)
  t.like(await f.get(rollout.id), { state: 'completed' })
  t.like(await f.store.progress(rollout.id), { skipped: 2, succeeded: 1, failed: 0 })
  t.deepEqual(
    f.starts.map((s) => s.hostId),
    [hostName(1)],
  )
})

test('CCM asked of a host AMT keeps in ACM (the agent never downgrades) fails with ControlModeMismatch', async (t) => {
  const f = await rolloutFixture(t, 2)
  f.answerWith((host) => reports(host.hostId === hostName(0) ? 'ACM' : 'CCM'))
  const rollout = await f.create({ maxConcurrent: 10, maxStartsPerMinute: 6000 })
  await f.run(4)
  t.like(await f.get(rollout.id), { state: 'completed' })
  t.like(await f.store.progress(rollout.id), { succeeded: 1, failed: 1, failedByError: { ControlModeMismatch: 1 } })
})
