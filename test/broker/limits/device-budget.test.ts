import test from 'ava'
import { DeviceBudget, type DeviceBudgetOptions } from '../../../broker/limits/device-budget.ts'
import { publishBytes } from '../../../broker/limits/device-publish-limit.ts'

/** A budget on a clock the test moves by hand. */
function budgetAt(options: Omit<DeviceBudgetOptions, 'now'>) {
  const clock = { ms: 1_000_000 }
  const budget = new DeviceBudget({ ...options, now: () => clock.ms })
  const publishes = (device: string, count: number, bytes = 1): Array<string | null> =>
    Array.from({ length: count }, () => budget.tryPublish(device, bytes))
  return { clock, budget, publishes }
}

const generous = { max: 1_000_000_000, windowMs: 10_000 }

test('messages: max per window per device, then refused until the window ends', (t) => {
  const { clock, publishes } = budgetAt({ messages: { max: 3, windowMs: 10_000 }, bytes: generous })
  t.deepEqual(publishes('a', 5), [null, null, null, 'rate-limited', 'rate-limited'])
  t.deepEqual(publishes('b', 1), [null], 'devices have their own budgets')
  clock.ms += 9_999
  t.deepEqual(publishes('a', 1), ['rate-limited'])
  clock.ms += 1
  t.deepEqual(publishes('a', 4), [null, null, null, 'rate-limited'], 'a new window starts empty')
})

test('bytes: the sum of a window, whatever the message count', (t) => {
  const { publishes } = budgetAt({ messages: generous, bytes: { max: 1000, windowMs: 10_000 } })
  t.deepEqual(publishes('a', 2, 400), [null, null])
  t.deepEqual(publishes('a', 1, 201), ['byte-rate-limited'])
  t.deepEqual(publishes('b', 1, 1000), [null])
})

test('what a publish costs: topic and payload bytes (UTF-8)', (t) => {
  t.is(publishBytes({ topic: 'amt/v1/t1/h1/events', payload: Buffer.alloc(100) }), 119)
  t.is(publishBytes({ topic: 'a/é', payload: 'ü' }), 6)
})

test('memory stays bounded: devices whose windows ended are swept as new ones arrive', (t) => {
  const { clock, budget, publishes } = budgetAt({
    messages: { max: 10, windowMs: 1000 },
    bytes: { max: 10_000, windowMs: 1000 },
    sweepAbove: 100,
  })
  for (let i = 0; i < 5000; i++) publishes(`old-${i}`, 1)
  clock.ms += 1000
  for (let i = 0; i < 300; i++) publishes(`new-${i}`, 1)
  t.true(budget.trackedDevices <= 400, `${budget.trackedDevices} devices tracked`)
  t.deepEqual(
    publishes('new-1', 10),
    [...Array.from({ length: 9 }, () => null), 'rate-limited'],
    'live windows are kept',
  )
})
