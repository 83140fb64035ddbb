import test from 'ava'
import { Registry } from 'prom-client'
import { createRolloutMetrics } from '../../../../manager/metrics/rollout-metrics.ts'
import { MemoryRolloutStore } from '../../../../manager/rollouts/memory-rollout-store.ts'
import { rolloutFixture } from './rollout-fixture.ts'

test('a failing desired write holds the starts with a growing backoff, counted and given as the reason; then they resume', async (t) => {
  const registry = new Registry()
  const store = new MemoryRolloutStore()
  const metrics = createRolloutMetrics(registry, store)
  const fleet = await rolloutFixture(t, 4, { store, metrics })
  const failures = async () => await registry.getSingleMetric('amt_manager_rollout_start_failures_total')?.get()
  const rollout = await fleet.create({ maxConcurrent: 4, maxStartsPerMinute: 600 })
  fleet.failDesiredWith(new Error('PREPARATION_FAILED: RPS unreachable'))

  // Ticks at 0, 1, 2, … s: attempts at 0 s, then after 1, 2, 4, 8 s of backoff (1 s ticks) → 0, 1, 3, 7, 15.
  const attemptsBy = async (seconds: number) => {
    await fleet.run(seconds)
    return (await failures())?.values[0]?.value ?? 0
  }
  t.is(await attemptsBy(1), 1)
  const held = await fleet.get(rollout.id)
  t.is(held.state, 'running')
  t.is(
    held.reason,
    'starts held: setting the desired state failed 1 time(s) in a row: PREPARATION_FAILED: RPS unreachable; ' +
      'next attempt in 1 s',
  )
  t.is(await attemptsBy(15), 5, 'five attempts in 16 s, not sixteen')
  t.deepEqual((await failures())?.values[0]?.labels, { tenant_id: 'acme' })
  t.regex((await fleet.get(rollout.id)).reason ?? '', /failed 5 time\(s\) in a row: .*; next attempt in 16 s$/)
  t.like(await store.progress(rollout.id), { pending: 4, inProgress: 0 }, 'nobody started, nobody lost')
  t.is(fleet.starts.length, 0)

  fleet.failDesiredWith(null)
  await fleet.run(20)
  t.is(await attemptsBy(0), 5, 'no further failure')
  const done = await fleet.get(rollout.id)
  t.is(done.state, 'completed')
  t.like(await store.progress(rollout.id), { succeeded: 4 })
  t.is(fleet.starts.length, 4)
})

test('while held, a resumed start replaces the reason; the backoff is per rollout', async (t) => {
  const fleet = await rolloutFixture(t, 2)
  const first = await fleet.create({ maxConcurrent: 1, maxStartsPerMinute: 600 }, ['h-0000'])
  fleet.failDesiredWith(new Error('down'))
  await fleet.run(2) // attempts at 0 s and 1 s: held until 3 s
  fleet.failDesiredWith(null)
  const second = await fleet.create({ maxConcurrent: 1, maxStartsPerMinute: 600 }, ['h-0001'])
  fleet.answerWith(() => null)
  await fleet.step()
  t.is(fleet.starts.length, 1, 'the second rollout starts at once; the first waits out its backoff')
  t.is(fleet.starts[0]?.hostId, 'h-0001')
  t.regex((await fleet.get(first.id)).reason ?? '', /^starts held: /)
  t.is((await fleet.get(second.id)).reason, null)
  await fleet.step()
  t.is(fleet.starts.length, 2)
  t.is((await fleet.get(first.id)).reason, 'starts resumed after 2 failed attempt(s)')
})
