import test from 'ava'
import { MemoryWaveHistory } from '../../../../manager/console/data/wave-history.ts'
import { waveHistoryConformance } from '../../../conformance/wave-history.ts'

const wave = (targeted: number, done: number, failed = 0) => ({ targeted, done, failed })

waveHistoryConformance('memory', (_t, options) => {
  const history = new MemoryWaveHistory(options)
  return Promise.resolve({ history, another: () => Promise.resolve(history) })
})

test('memory: at most maxTenants tenants are remembered: the least recently recorded is forgotten', async (t) => {
  const history = new MemoryWaveHistory({ maxTenants: 2 })
  await history.record('a', wave(1, 0), 0)
  await history.record('b', wave(1, 0), 0)
  await history.record('a', wave(1, 1), 10_000)
  await history.record('c', wave(1, 0), 10_000)
  t.is((await history.samples('b', 10_000)).length, 0)
  t.is((await history.samples('a', 10_000)).length, 2)
  t.is((await history.samples('c', 10_000)).length, 1)
})
