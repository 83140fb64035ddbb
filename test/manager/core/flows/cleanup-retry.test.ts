import test from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { CleanupRetry } from '../../../../manager/core/flows/cleanup-retry.ts'
import type { HostKey } from '../../../../manager/inventory/port.ts'

const KEY: HostKey = { tenantId: 't', hostId: 'h' }
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Bound of a wait for retries that are due within ~100 ms: only turns a hang into a failure on a loaded machine. */
const RETRIES_DUE_MS = 30_000

/**
 * A retry whose outcome the test decides; it records the reasons it was called with. `called(n)` resolves once the
 * n-th call has returned (rejects after RETRIES_DUE_MS).
 */
function retrier(outcome: (attempt: number) => 'fail' | 'done' | 'throw') {
  const calls: string[] = []
  const waiters = new Set<() => void>()
  const retry: CleanupRetry<string> = new CleanupRetry<string>({
    deletionRetry: { firstMs: 20, maxMs: 40 },
    random: () => 0.5,
    log: silentLogger(),
    retry: (key, reason) => {
      calls.push(reason)
      const next = outcome(calls.length)
      for (const wake of waiters) wake()
      if (next === 'throw') return Promise.reject(new Error('inventory closed'))
      if (next === 'fail') retry.failed(key, reason)
      else retry.succeeded(key)
      return Promise.resolve()
    },
  })
  const called = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${calls.length} of ${count} retries within ${RETRIES_DUE_MS} ms`)),
        RETRIES_DUE_MS,
      )
      const check = () => {
        if (calls.length < count) return
        clearTimeout(timer)
        waiters.delete(check)
        // Once the call has returned and said failed, succeeded or thrown (its rejection handled).
        setImmediate(resolve)
      }
      waiters.add(check)
      check()
    })
  return { retry, calls, called }
}

test('retries with growing delays until the removal succeeds, keeping the reason', async (t) => {
  const { retry, calls, called } = retrier((attempt) => (attempt < 3 ? 'fail' : 'done'))
  t.teardown(() => retry.stop())
  const first = retry.failed(KEY, 'deactivated')
  t.is(first, 15, 'half-way between base/2 and base')
  await called(3)
  t.deepEqual(calls, ['deactivated', 'deactivated', 'deactivated'])
  t.is(retry.size, 0)
})

test('a retry that throws is scheduled again; stop cancels everything', async (t) => {
  const { retry, calls, called } = retrier((attempt) => (attempt === 1 ? 'throw' : 'done'))
  retry.failed(KEY, 'amt-off')
  await called(2)
  t.deepEqual(calls, ['amt-off', 'amt-off'])
  const stopped = retrier(() => 'fail')
  stopped.retry.failed(KEY, 'amt-off')
  stopped.retry.stop()
  t.is(stopped.retry.failed(KEY, 'amt-off'), undefined, 'nothing is scheduled after stop')
  await wait(60)
  t.deepEqual(stopped.calls, [])
})

test('succeeded before the timer fires cancels the retry (a DELETE finished it first)', async (t) => {
  const { retry, calls } = retrier(() => 'done')
  retry.failed(KEY, 'deactivated')
  retry.succeeded(KEY)
  await wait(60)
  t.deepEqual(calls, [])
  t.is(retry.size, 0)
})
