import test from 'ava'
import { TokenBucket } from '../../../../manager/core/rollouts/token-bucket.ts'
import { insideWindow, windowProblem } from '../../../../manager/core/rollouts/maintenance-window.ts'
import { errorNameOf } from '../../../../manager/core/rollouts/member-outcome.ts'

test('the token bucket gives the rate over time, carries fractions, and caps an idle spell at two ticks plus one', (t) => {
  const bucket = new TokenBucket(40, 0, 1000)
  let started = 0
  for (let ms = 0; ms < 60_000; ms += 1000) {
    const n = bucket.available(ms)
    bucket.take(n)
    started += n
  }
  t.true(started >= 40 && started <= 41, `${started} in a minute at 40/min`)
  t.is(bucket.available(3_600_000), 2, 'an idle hour gives no burst beyond two ticks (1.33 at 40/min) plus one')
  bucket.take(2)
  bucket.setRate(600, 3_600_000)
  t.is(bucket.available(3_601_000), 10, 'at 600/min: 10 per one-second tick')
  bucket.take(10)
  t.is(bucket.available(3_660_000), 21, 'an idle minute at 600/min: two ticks (20) plus one')
})

test('the token bucket keeps the rate when ticks come late (a pass takes time)', (t) => {
  const bucket = new TokenBucket(500, 0, 1000)
  let started = bucket.available(0)
  bucket.take(started)
  // The engine ticks 1 s after the previous pass ended; a pass of 0.3–0.9 s makes ticks 1.3–1.9 s apart.
  let ms = 0
  for (let i = 0; ms < 600_000; i++) {
    ms += 1300 + (i % 7) * 100
    const n = bucket.available(ms)
    bucket.take(n)
    started += n
  }
  const expected = (500 * ms) / 60_000
  t.true(
    Math.abs(started - expected) <= 10,
    `${started} starts in ${ms} ms at 500/min (expected ${expected.toFixed(1)})`,
  )
})

test('the window is read in its timezone; a window past midnight belongs to the day it starts on', (t) => {
  const friday = { timezone: 'America/New_York', days: [5], start: '22:00', end: '04:00' }
  t.true(insideWindow(friday, new Date('2026-12-12T03:30:00Z')), 'Friday 22:30 in New York')
  t.true(insideWindow(friday, new Date('2026-12-12T08:59:00Z')), 'Saturday 03:59 in New York')
  t.false(insideWindow(friday, new Date('2026-12-12T09:00:00Z')), 'Saturday 04:00')
  t.false(insideWindow(friday, new Date('2026-12-13T03:30:00Z')), 'Saturday 22:30')
  t.false(insideWindow(friday, new Date('2026-12-11T08:00:00Z')), 'Friday 03:00 (the Thursday night is not in it)')
  t.is(windowProblem({ ...friday, timezone: 'Mars/Olympus' }), 'window.timezone Mars/Olympus is not an IANA timezone')
  t.is(windowProblem({ ...friday, start: '24:00' }), 'window time 24:00 is not HH:MM')
  t.is(windowProblem({ ...friday, days: [7] }), 'window.days must be weekdays 0 (Sunday) … 6 (Saturday)')
  t.is(windowProblem(friday), null)
})

test("a failed host's rpc error name comes from its status; the fallback otherwise", (t) => {
  t.is(errorNameOf('AMT Activation Failed: ActivationFailed: the firmware refused', 'X'), 'ActivationFailed')
  t.is(errorNameOf('AMT deactivation failed: AmtAuthenticationFailed', 'X'), 'AmtAuthenticationFailed')
  t.is(errorNameOf('AMT Activation Failed: no result from the agent within 15 min', 'DeadlinePassed'), 'DeadlinePassed')
  t.is(errorNameOf('AMT Activation Failed', 'Failed'), 'Failed')
})
