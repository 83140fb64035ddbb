import test from 'ava'
import { throttled } from '../../../../manager/console/client/throttled.ts'

const INTERVAL_MS = 200
/** Waits on a run, not on the clock; generous for a loaded machine. */
const RUN_TIMEOUT_MS = 30_000

/** A task whose runs the test ends by hand; `started(n)` resolves when run n (1-based) has started. */
function controlledTask() {
  const starts: number[] = []
  const finishers: Array<(outcome?: Error) => void> = []
  const waiters = new Map<number, () => void>()
  const task = () =>
    new Promise<void>((resolve, reject) => {
      starts.push(Date.now())
      finishers.push((outcome) => (outcome === undefined ? resolve() : reject(outcome)))
      waiters.get(starts.length)?.()
    })
  const started = (run: number) =>
    new Promise<void>((resolve, reject) => {
      if (starts.length >= run) return resolve()
      const timer = setTimeout(
        () => reject(new Error(`run ${run} did not start; ${starts.length} did`)),
        RUN_TIMEOUT_MS,
      )
      waiters.set(run, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  const finish = (run: number, outcome?: Error) => finishers[run - 1]?.(outcome)
  return { task, starts, started, finish }
}

test('a call while a run is under way is not lost: one more run follows, the interval after the first', async (t) => {
  const { task, starts, started, finish } = controlledTask()
  const schedule = throttled(task, INTERVAL_MS)
  schedule()
  await started(1)
  schedule()
  schedule()
  t.is(starts.length, 1, 'never two at once')
  finish(1) // well within the interval: the owed run waits for it, then comes (it used to be dropped)
  await started(2)
  t.is(starts.length, 2, 'the calls merged into one run')
  t.true((starts[1] ?? 0) - (starts[0] ?? 0) >= INTERVAL_MS - 5, `${(starts[1] ?? 0) - (starts[0] ?? 0)} ms apart`)
  finish(2)
})

test('a call while waiting out the interval runs once at its end; a failed run does not stop the next', async (t) => {
  const { task, starts, started, finish } = controlledTask()
  const schedule = throttled(task, INTERVAL_MS)
  schedule()
  await started(1)
  finish(1, new Error('the manager did not answer'))
  await Promise.resolve()
  schedule()
  schedule()
  t.is(starts.length, 1, 'within the interval: no run yet')
  await started(2)
  finish(2)
  t.is(starts.length, 2)
})
