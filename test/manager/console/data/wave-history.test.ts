import test from 'ava'
import { WaveHistory } from '../../../../manager/console/data/wave-history.ts'

const wave = (targeted: number, done: number, failed = 0) => ({ targeted, done, failed })

test('a sample per change; unchanged numbers add none; changes within the resolution share one sample', (t) => {
  const history = new WaveHistory({ resolutionMs: 1_000 })
  history.record('acme', wave(10, 0), 0)
  history.record('acme', wave(10, 0), 5_000)
  history.record('acme', wave(10, 2), 6_000)
  history.record('acme', wave(10, 3), 6_500)
  history.record('acme', wave(10, 4, 1), 6_900)
  t.deepEqual(history.samples('acme', 7_000), [
    { at: 0, ...wave(10, 0) },
    { at: 6_000, ...wave(10, 4, 1) },
  ])
  t.deepEqual(history.samples('other', 7_000), [])
})

test('samples older than the window go, but the last of them stays: the numbers at the window’s start', (t) => {
  const history = new WaveHistory({ windowMs: 60_000, resolutionMs: 1 })
  for (let minute = 0; minute < 5; minute += 1) history.record('acme', wave(5, minute), minute * 60_000)
  t.deepEqual(
    history.samples('acme', 4 * 60_000 + 30_000).map((sample) => sample.done),
    [3, 4],
  )
})

test('at most maxTenants tenants are remembered: the least recently recorded is forgotten', (t) => {
  const history = new WaveHistory({ maxTenants: 2 })
  history.record('a', wave(1, 0), 0)
  history.record('b', wave(1, 0), 0)
  history.record('a', wave(1, 1), 10_000)
  history.record('c', wave(1, 0), 10_000)
  t.is(history.samples('b', 10_000).length, 0)
  t.is(history.samples('a', 10_000).length, 2)
  t.is(history.samples('c', 10_000).length, 1)
})
