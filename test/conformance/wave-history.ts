import test, { type ExecutionContext } from 'ava'
import type { WaveHistory, WaveHistoryOptions } from '../../manager/console/data/wave-history.ts'

/**
 * A fresh, empty history with these options, and a way to open another on the same database (another replica);
 * a history without a database of its own returns itself. The factory releases everything in t.teardown.
 */
export type WaveHistoryFactory = (
  t: ExecutionContext,
  options: Pick<WaveHistoryOptions, 'windowMs' | 'resolutionMs'>,
) => Promise<{ history: WaveHistory; another: () => Promise<WaveHistory> }>

const wave = (targeted: number, done: number, failed = 0) => ({ targeted, done, failed })

/** The WaveHistory rules (manager/console/data/wave-history.ts), run against every implementation. */
export function waveHistoryConformance(label: string, create: WaveHistoryFactory): void {
  test(`${label}: a sample per change; unchanged numbers add none; changes within the resolution share one`, async (t) => {
    const { history } = await create(t, { resolutionMs: 1_000 })
    await history.record('acme', wave(10, 0), 0)
    await history.record('acme', wave(10, 0), 5_000)
    await history.record('acme', wave(10, 2), 6_000)
    await history.record('acme', wave(10, 3), 6_500)
    await history.record('acme', wave(10, 4, 1), 6_900)
    t.deepEqual(await history.samples('acme', 7_000), [
      { at: 0, ...wave(10, 0) },
      { at: 6_000, ...wave(10, 4, 1) },
    ])
    t.deepEqual(await history.samples('other', 7_000), [])
  })

  test(`${label}: samples older than the window go, but the last of them stays: the window's start`, async (t) => {
    const { history } = await create(t, { windowMs: 60_000, resolutionMs: 1 })
    t.is(history.windowMs, 60_000)
    for (let minute = 0; minute < 5; minute += 1) await history.record('acme', wave(5, minute), minute * 60_000)
    t.deepEqual(
      (await history.samples('acme', 4 * 60_000 + 30_000)).map((sample) => sample.done),
      [3, 4],
    )
  })

  test(`${label}: another history on the same database draws what either recorded`, async (t) => {
    const { history, another } = await create(t, { resolutionMs: 1_000 })
    const replica = await another()
    await history.record('acme', wave(4, 0), 10_000)
    await replica.record('acme', wave(4, 1), 20_000)
    await history.record('acme', wave(4, 1), 30_000)
    await replica.record('acme', wave(4, 2), 30_500)
    await history.record('acme', wave(4, 3), 30_900)
    const expected = [
      { at: 10_000, ...wave(4, 0) },
      { at: 20_000, ...wave(4, 1) },
      { at: 30_500, ...wave(4, 3) },
    ]
    t.deepEqual(await history.samples('acme', 31_000), expected)
    t.deepEqual(await replica.samples('acme', 31_000), expected)
  })
}
