import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createReconcileLoop, type PassOutcome } from '../../../agent/reconcile/loop.ts'

/** A pass the test finishes by hand, recording how many run at once. */
function controlledPasses() {
  const started: string[] = []
  const finishers: Array<(outcome: PassOutcome) => void> = []
  let running = 0
  let maxRunning = 0
  let onStart = (): void => undefined
  const pass = (reason: string) =>
    new Promise<PassOutcome>((resolve) => {
      running += 1
      maxRunning = Math.max(maxRunning, running)
      started.push(reason)
      finishers.push((outcome) => {
        running -= 1
        resolve(outcome)
      })
      onStart()
    })
  const nextStart = () => new Promise<void>((resolve) => (onStart = resolve))
  return {
    pass,
    started,
    finish: (i: number, outcome: PassOutcome = {}) => finishers[i]?.(outcome),
    nextStart,
    maxRunning: () => maxRunning,
  }
}

test('passes never overlap; triggers during a pass coalesce into one pass right after it', async (t) => {
  const passes = controlledPasses()
  const loop = createReconcileLoop({ pass: passes.pass, intervalMs: 60_000, log: silentLogger() })
  t.teardown(() => loop.stop())
  const first = passes.nextStart()
  loop.trigger('start')
  await first
  loop.trigger('desired')
  loop.trigger('desired-again')
  const second = passes.nextStart()
  passes.finish(0)
  await second
  t.deepEqual(passes.started, ['start', 'desired-again'])
  passes.finish(1)
  await loop.idle()
  t.is(passes.maxRunning(), 1)
  t.false(loop.running)
})

test('a pass that asks for an earlier wake runs again then', async (t) => {
  const passes = controlledPasses()
  const loop = createReconcileLoop({ pass: passes.pass, intervalMs: 60_000, log: silentLogger() })
  t.teardown(() => loop.stop())
  const first = passes.nextStart()
  loop.trigger('start')
  await first
  const woken = passes.nextStart()
  passes.finish(0, { wakeAt: Date.now() + 10 })
  await woken
  t.deepEqual(passes.started, ['start', 'scheduled'])
  passes.finish(1)
})

test('periodic passes run at the interval', async (t) => {
  const passes = controlledPasses()
  const loop = createReconcileLoop({ pass: passes.pass, intervalMs: 15, log: silentLogger() })
  t.teardown(() => loop.stop())
  const first = passes.nextStart()
  loop.trigger('start')
  await first
  const periodic = passes.nextStart()
  passes.finish(0)
  await periodic
  t.deepEqual(passes.started, ['start', 'periodic'])
  passes.finish(1)
})

test('a failing pass is logged and the loop keeps going; stop waits for the running pass', async (t) => {
  let calls = 0
  let release = (): void => undefined
  let secondStarted = (): void => undefined
  const started = new Promise<void>((resolve) => (secondStarted = resolve))
  const loop = createReconcileLoop({
    pass: async () => {
      calls += 1
      if (calls === 1) throw new Error('boom')
      secondStarted()
      await new Promise<void>((resolve) => (release = resolve))
      return {}
    },
    intervalMs: 60_000,
    log: silentLogger(),
  })
  loop.trigger('one')
  await loop.idle()
  loop.trigger('two')
  await started
  t.true(loop.running)
  let stopped = false
  const stopping = loop.stop().then(() => (stopped = true))
  await Promise.resolve()
  t.false(stopped)
  release()
  await stopping
  t.is(calls, 2)
  loop.trigger('after-stop')
  t.false(loop.running)
})
