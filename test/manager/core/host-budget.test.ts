import test from 'ava'
import { HostBudget } from '../../../manager/core/host-budget.ts'
import { pollUntil } from '../../helpers/poll-until.ts'

test('at rest: with sweepEveryMs buckets that are full again are forgotten on a timer; others are kept', async (t) => {
  const clock = { ms: 0, reads: 0 }
  const budget = new HostBudget(
    { perSecond: 1, burst: 2 },
    {
      sweepEveryMs: 20,
      now: () => {
        clock.reads++
        return clock.ms
      },
    },
  )
  t.teardown(() => budget.stop())
  t.true(budget.take('a').ok)
  t.true(budget.take('a').ok)
  t.deepEqual(budget.take('a'), { ok: false, report: 1 }, "a's bucket is empty: a drop, reported at once")
  t.deepEqual(budget.take('a'), { ok: false }, 'a second drop, reported after the window')
  t.true(budget.take('b').ok)
  t.is(budget.size, 2)

  const reads = clock.reads
  await pollUntil(() => clock.reads >= reads + 2 || `${clock.reads - reads} sweeps`, 'two sweeps', 10_000)
  t.is(budget.size, 2, 'buckets that are not full are kept')

  clock.ms = 5_000
  await pollUntil(() => budget.size === 1 || `${budget.size} buckets`, "the sweep of b's full bucket", 10_000)
  // a's bucket is full again but owes the report of its second drop: kept, so the next drop reports both.
  clock.ms = 61_000
  t.deepEqual(
    [budget.take('a'), budget.take('a'), budget.take('a')],
    [{ ok: true }, { ok: true }, { ok: false, report: 2 }],
  )
})
