import test from 'ava'
import { FAILED, hostName, rolloutFixture, SUCCEEDED, TENANT } from './rollout-fixture.ts'
import { MemoryRolloutStore } from '../../../../manager/rollouts/memory-rollout-store.ts'

const failEvery = (n: number) => (host: { hostId: string }) =>
  Number(host.hostId.slice(2)) % n === n - 1 ? FAILED : SUCCEEDED

test('starts keep to maxStartsPerMinute within 5 % and never burst above one tick of the rate', async (t) => {
  const f = await rolloutFixture(t, 1000)
  const rollout = await f.create({ maxConcurrent: 1000, maxStartsPerMinute: 120 })
  await f.run(300)
  const count = f.starts.length
  t.true(Math.abs(count - 600) <= 30, `${count} starts in 5 min at 120/min`)
  const perSecond = new Map<number, number>()
  for (const { ms } of f.starts) perSecond.set(ms, (perSecond.get(ms) ?? 0) + 1)
  t.true(Math.max(...perSecond.values()) <= 2, 'at most 2 starts in any one-second tick')
  t.like(await f.store.progress(rollout.id), {
    succeeded: count - 2 < 0 ? 0 : count - (await f.store.progress(rollout.id)).inProgress,
  })
})

test('maxConcurrent bounds the members in progress; starts continue as they finish', async (t) => {
  const f = await rolloutFixture(t, 50)
  f.answerWith(() => null)
  const rollout = await f.create({ maxConcurrent: 7, maxStartsPerMinute: 6000 })
  await f.run(10)
  t.is(f.starts.length, 7)
  t.like(await f.store.progress(rollout.id), { inProgress: 7, pending: 43 })
  f.answerWith(() => SUCCEEDED)
  await f.run(30)
  t.like(await f.store.progress(rollout.id), { succeeded: 50, pending: 0, inProgress: 0 })
  await f.run(1)
  t.like(await f.get(rollout.id), { state: 'completed', reason: null })
})

test('a canary that fails aborts the rollout: only canary hosts were started, the others are reported untouched', async (t) => {
  const f = await rolloutFixture(t, 100)
  f.answerWith((host) => (host.hostId === hostName(2) ? FAILED : SUCCEEDED))
  const rollout = await f.create({
    maxConcurrent: 50,
    maxStartsPerMinute: 6000,
    canary: { hosts: 5, approval: 'manual' },
  })
  await f.run(20)
  const stopped = await f.get(rollout.id)
  t.is(stopped.state, 'aborted')
  t.is(stopped.reason, 'canary failed: 1 of 5 canary hosts failed; 95 hosts left untouched')
  t.deepEqual(
    f.starts.map((s) => s.hostId),
    [0, 1, 2, 3, 4].map(hostName),
  )
  const progress = await f.store.progress(rollout.id)
  t.like(progress, { pending: 95, succeeded: 4, failed: 1, failedByError: { ActivationFailed: 1 } })
  const untouched = await f.inventory.findHosts([{ tenantId: TENANT, hostId: hostName(5) }])
  t.is(untouched[0]?.desiredGeneration, 0, 'a host after the canary got no desired')
  t.is((await f.store.members(rollout.id, { statuses: ['pending'] })).length, 95)
})

test('a canary without failures waits for approval; approval continues the rollout to completion', async (t) => {
  const f = await rolloutFixture(t, 30)
  const rollout = await f.create({
    maxConcurrent: 50,
    maxStartsPerMinute: 6000,
    canary: { percent: 10, approval: 'manual' },
  })
  await f.run(10)
  t.like(await f.get(rollout.id), { state: 'awaiting-approval' })
  t.is(f.starts.length, 3, '10 % of 30')
  await f.run(5)
  t.is(f.starts.length, 3, 'nothing starts while approval is awaited')
  await t.throwsAsync(f.service.apply(TENANT, rollout.id, 'resume', 'api:ops'), {
    message: /cannot be asked to resume/,
  })
  t.like(await f.service.apply(TENANT, rollout.id, 'approve', 'api:ops'), {
    state: 'running',
    reason: 'canary approved by api:ops',
  })
  await f.run(20)
  t.like(await f.get(rollout.id), { state: 'completed' })
  t.like(await f.store.progress(rollout.id), { succeeded: 30 })
})

test('automatic approval: the canary success share decides', async (t) => {
  const ok = await rolloutFixture(t, 40)
  ok.answerWith(failEvery(10))
  const passing = await ok.create({
    maxConcurrent: 50,
    maxStartsPerMinute: 6000,
    canary: { hosts: 10, approval: { successPercent: 90 } },
  })
  while ((await ok.get(passing.id)).state === 'canary') await ok.step()
  t.like(await ok.get(passing.id), { state: 'running', reason: 'canary approved automatically: 90 % succeeded' })
  await ok.run(10)
  t.like(await ok.get(passing.id), { state: 'completed' })
  t.like(await ok.store.progress(passing.id), { succeeded: 36, failed: 4 })

  const bad = await rolloutFixture(t, 40)
  bad.answerWith(failEvery(5))
  const failing = await bad.create({
    maxConcurrent: 50,
    maxStartsPerMinute: 6000,
    canary: { hosts: 10, approval: { successPercent: 90 } },
  })
  await bad.run(8)
  t.like(await bad.get(failing.id), { state: 'aborted' })
  t.regex(
    (await bad.get(failing.id)).reason ?? '',
    /^canary failed: 2 of 10 canary hosts failed \(success 80 % < 90 %\)/,
  )
  t.is(bad.starts.length, 10)
})

test('the abort rule stops at the threshold after minFinished; the hosts not started stay untouched', async (t) => {
  const f = await rolloutFixture(t, 400)
  f.answerWith(failEvery(5))
  const rollout = await f.create({
    maxConcurrent: 400,
    maxStartsPerMinute: 600,
    abort: { failurePercent: 15, minFinished: 20 },
  })
  let state = 'running'
  let seconds = 0
  while (state === 'running' && seconds < 120) {
    await f.step()
    seconds++
    state = (await f.get(rollout.id)).state
  }
  const stopped = await f.get(rollout.id)
  t.is(stopped.state, 'aborted')
  const progress = await f.store.progress(rollout.id)
  const finished = progress.succeeded + progress.failed
  t.true(finished >= 20 && finished <= 30, `aborted after ${finished} finished (10 starts/s, minFinished 20)`)
  t.regex(
    stopped.reason ?? '',
    /^abort rule: \d+ of \d+ finished hosts failed \(\d+\.\d\d % > 15 %\); \d+ hosts left untouched$/,
  )
  const startsAtAbort = f.starts.length
  await f.run(10)
  t.is(f.starts.length, startsAtAbort, 'no start after the abort')
  t.is(progress.pending, 400 - startsAtAbort)
})

test('the window: starts only inside it, in its timezone', async (t) => {
  // 07:58 UTC is 08:58 in Berlin (winter time); the window opens at 09:00 Berlin time on Mondays (2026-12-07).
  const f = await rolloutFixture(t, 300, { startMs: Date.parse('2026-12-07T07:58:00.000Z') })
  const rollout = await f.create({
    maxConcurrent: 1000,
    maxStartsPerMinute: 60,
    window: { timezone: 'Europe/Berlin', days: [1], start: '09:00', end: '09:02' },
  })
  await f.run(120)
  t.is(f.starts.length, 0, 'closed before 09:00 Berlin time')
  await f.run(120)
  t.true(f.starts.length >= 115 && f.starts.length <= 121, `${f.starts.length} starts in the two open minutes`)
  t.true(
    f.starts.every(
      ({ ms }) => ms >= Date.parse('2026-12-07T08:00:00.000Z') && ms < Date.parse('2026-12-07T08:02:00.000Z'),
    ),
  )
  await f.run(60)
  t.true(f.starts.length <= 121, 'closed again at 09:02')
  t.like(await f.get(rollout.id), { state: 'running' })
})

test('the ramp multiplies the rate after each minute without a failure, up to maxStartsPerMinute', async (t) => {
  const f = await rolloutFixture(t, 1000)
  const rollout = await f.create({ maxConcurrent: 1000, maxStartsPerMinute: 80, ramp: { initial: 10, factor: 2 } })
  await f.run(300)
  const firstMs = f.starts[0]?.ms ?? 0
  const perMinute = [0, 1, 2, 3, 4].map(
    (minute) =>
      f.starts.filter(({ ms }) => ms >= firstMs + minute * 60_000 && ms < firstMs + (minute + 1) * 60_000).length,
  )
  const expected = [10, 20, 40, 80, 80]
  perMinute.forEach((count, minute) =>
    t.true(Math.abs(count - (expected[minute] ?? 0)) <= 2, `minute ${minute}: ${count} (expected ${expected[minute]})`),
  )
  t.like((await f.get(rollout.id)).schedule, { rate: 80 })
})

test('a failure during a ramp interval holds the rate', async (t) => {
  const f = await rolloutFixture(t, 200)
  f.answerWith((host) => (host.hostId === hostName(3) ? FAILED : SUCCEEDED))
  const rollout = await f.create({ maxConcurrent: 1000, maxStartsPerMinute: 80, ramp: { initial: 10, factor: 2 } })
  await f.run(125)
  t.like((await f.get(rollout.id)).schedule, { rate: 20 }, 'held in the first minute, doubled after the second')
})

test('pause stops starts, resume continues where it stopped, cancel ends it', async (t) => {
  const f = await rolloutFixture(t, 100)
  const rollout = await f.create({ maxConcurrent: 100, maxStartsPerMinute: 60 })
  await f.run(10)
  const before = f.starts.length
  t.like(await f.service.apply(TENANT, rollout.id, 'pause', 'api:ops'), { state: 'paused', pausedFrom: 'running' })
  await f.run(30)
  t.is(f.starts.length, before, 'nothing started while paused')
  t.like(await f.store.progress(rollout.id), { inProgress: 0, succeeded: before }, 'started ones are still followed')
  await f.service.apply(TENANT, rollout.id, 'resume', 'api:ops')
  await f.run(10)
  t.true(f.starts.length > before)
  t.deepEqual(
    f.starts.map((s) => s.hostId),
    f.starts.map((_, i) => hostName(i)),
    'in order, no host started twice',
  )
  t.like(await f.service.apply(TENANT, rollout.id, 'cancel', 'api:ops'), {
    state: 'cancelled',
    reason: 'cancelled by api:ops',
  })
  const cancelledAt = f.starts.length
  await f.run(10)
  t.is(f.starts.length, cancelledAt)
  await t.throwsAsync(f.service.apply(TENANT, rollout.id, 'resume', 'api:ops'), { message: /state cancelled/ })
})

test('hosts already in the target state are skipped, not capable ones not supported; a failed host is never retried', async (t) => {
  const f = await rolloutFixture(t, 10)
  await f.inventory.updateHost({ tenantId: TENANT, hostId: hostName(1) }, { ...SUCCEEDED })
  await f.inventory.updateHost(
    { tenantId: TENANT, hostId: hostName(2) },
    { sku: 'UNSPECIFIED', status: 'AMT not supported: no MEI device', statusIndicator: 'ERROR' },
  )
  f.answerWith((host) => (host.hostId === hostName(3) ? FAILED : SUCCEEDED))
  const rollout = await f.create({ maxConcurrent: 10, maxStartsPerMinute: 6000 })
  await f.run(10)
  t.like(await f.get(rollout.id), { state: 'completed' })
  t.like(await f.store.progress(rollout.id), { succeeded: 7, skipped: 1, notSupported: 1, failed: 1 })
  t.false(f.starts.some((s) => s.hostId === hostName(1) || s.hostId === hostName(2)))
  t.is(f.starts.filter((s) => s.hostId === hostName(3)).length, 1)
})

test('a restart (a new engine on the same store and Inventory) continues the rollout; a start whose record was lost is adopted', async (t) => {
  const store = new MemoryRolloutStore()
  const first = await rolloutFixture(t, 60, { store })
  first.answerWith(() => null)
  const rollout = await first.create({ maxConcurrent: 60, maxStartsPerMinute: 600 })
  await first.run(3)
  const startedBefore = first.starts.length
  t.true(startedBefore >= 20)
  // A crash after setDesired but before the members were written: the host has the desired, the member is pending.
  const lost = await store.members(rollout.id, { statuses: ['pending'], limit: 1 })
  await first.inventory.setDesiredMany(
    { keys: [{ tenantId: TENANT, hostId: lost[0]?.hostId ?? '' }] },
    { desiredState: 'PROVISIONED' },
  )

  const second = await rolloutFixture(t, 0, { store, inventory: first.inventory, startMs: first.clock.ms })
  second.answerWith(() => null)
  await second.step()
  t.like((await store.members(rollout.id, { after: (lost[0]?.position ?? 0) - 1, limit: 1 }))[0], {
    status: 'in-progress',
  })
  second.answerWith(() => SUCCEEDED)
  await second.run(20)
  t.like(await second.get(rollout.id), { state: 'completed' })
  t.like(await store.progress(rollout.id), { succeeded: 60 })
  const restarted = second.starts.map((s) => s.hostId)
  t.false(restarted.includes(lost[0]?.hostId ?? ''), 'the adopted host was not started again')
  t.is(new Set([...first.starts.map((s) => s.hostId), ...restarted]).size, startedBefore + restarted.length)
})
