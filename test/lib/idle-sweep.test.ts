import test from 'ava'
import { IdleSweep } from '../../lib/idle-sweep.ts'
import { pollUntil } from '../helpers/poll-until.ts'

test('an idle sweep runs while entries are left, ends itself with the last, and is armed again by a new entry', async (t) => {
  const left = [2, 1, 0]
  let sweeps = 0
  const sweep = new IdleSweep(10, () => left[sweeps++] ?? 0)
  t.teardown(() => sweep.stop())
  t.false(sweep.armed, 'nothing before the first entry')
  sweep.arm()
  sweep.arm()
  t.true(sweep.armed)
  await pollUntil(() => sweeps === 3 || `${sweeps} sweeps`, 'three sweeps', 10_000)
  t.false(sweep.armed, 'the sweep that left nothing did not arm another')
  t.is(sweeps, 3)
  sweep.arm()
  t.true(sweep.armed)
  sweep.stop()
  t.false(sweep.armed)
})

test('a sweep period must be positive', (t) => {
  t.throws(() => new IdleSweep(0, () => 0), { instanceOf: TypeError })
})
