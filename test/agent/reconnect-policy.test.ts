import test from 'ava'
import { reconnectDelay, type ReconnectPolicy } from '../../agent/reconnect-policy.ts'

const POLICY: ReconnectPolicy = { minMs: 500, windowMs: 5_000, maxMs: 60_000 }
const lowest = () => 0
const highest = () => 1

test('unreachable broker: full jitter from minMs doubling, never beyond the window (not the 60 s cap)', (t) => {
  const ceilings = [0, 1, 2, 3, 4, 5, 10, 40].map((attempts) =>
    reconnectDelay('unreachable', { attempts, busy: 0 }, POLICY, highest),
  )
  t.deepEqual(ceilings, [500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000])
  const floors = [0, 3, 40].map((attempts) => reconnectDelay('unreachable', { attempts, busy: 0 }, POLICY, lowest))
  t.deepEqual(floors, [250, 250, 250], 'the floor stays low: a fleet spreads over the whole window')
  t.is(
    reconnectDelay('unreachable', { attempts: 9, busy: 0 }, POLICY, () => 0.5),
    2_625,
  )
})

test('busy broker: the k-th busy answer in a row waits in [c/2, c], c = window · 2^(k-1), up to maxMs', (t) => {
  const range = (busy: number) => [
    reconnectDelay('busy', { attempts: busy, busy }, POLICY, lowest),
    reconnectDelay('busy', { attempts: busy, busy }, POLICY, highest),
  ]
  t.deepEqual(range(1), [2_500, 5_000], 'never at once: the broker just said it is full')
  t.deepEqual(range(2), [5_000, 10_000])
  t.deepEqual(range(4), [20_000, 40_000])
  t.deepEqual(range(5), [30_000, 60_000], 'capped at maxMs')
  t.deepEqual(range(30), [30_000, 60_000])
})

test('the window is at most maxMs and at least minMs (small maxMs in tests and demos keeps its meaning)', (t) => {
  const small = { minMs: 20, windowMs: 5_000, maxMs: 80 }
  const delays = [0, 1, 2, 3].map((attempts) => reconnectDelay('unreachable', { attempts, busy: 0 }, small, highest))
  t.deepEqual(delays, [20, 40, 80, 80])
  t.is(reconnectDelay('busy', { attempts: 0, busy: 1 }, small, highest), 80)
  const inverted = { minMs: 1_000, windowMs: 100, maxMs: 60_000 }
  t.is(reconnectDelay('unreachable', { attempts: 5, busy: 0 }, inverted, highest), 1_000)
})

test('a fleet that lost its broker is spread over the window: uniform arrivals, none later than the window', (t) => {
  // 10 000 agents after 4 failed attempts each (a ~5 s restart): where their next attempt falls.
  let seed = 42
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
  const delays = Array.from({ length: 10_000 }, () =>
    reconnectDelay('unreachable', { attempts: 4, busy: 0 }, POLICY, random),
  )
  t.true(Math.max(...delays) <= POLICY.windowMs)
  const perSecond = [0, 1, 2, 3, 4].map(
    (second) => delays.filter((d) => d >= second * 1000 && d < (second + 1) * 1000).length,
  )
  for (const count of perSecond.slice(1)) t.true(count > 1_700 && count < 2_300, `${count} in one second`)
})
