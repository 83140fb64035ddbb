import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { CleanupRetry } from '../../../manager/desired/cleanup-retry.ts'
import type { HostKey } from '../../../manager/inventory/port.ts'

const KEY: HostKey = { tenantId: 't', hostId: 'h' }
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A retry whose outcome the test decides; it records the reasons it was called with. */
function retrier(outcome: (attempt: number) => 'fail' | 'done' | 'throw') {
  const calls: string[] = []
  const retry: CleanupRetry<string> = new CleanupRetry<string>({
    backoff: { baseMs: 20, maxMs: 40, random: () => 0.5 },
    log: silentLogger(),
    retry: (key, reason) => {
      calls.push(reason)
      const next = outcome(calls.length)
      if (next === 'throw') return Promise.reject(new Error('inventory closed'))
      if (next === 'fail') retry.failed(key, reason)
      else retry.succeeded(key)
      return Promise.resolve()
    },
  })
  return { retry, calls }
}

test('retries with growing delays until the removal succeeds, keeping the reason', async (t) => {
  const { retry, calls } = retrier((attempt) => (attempt < 3 ? 'fail' : 'done'))
  t.teardown(() => retry.stop())
  const first = retry.failed(KEY, 'deactivated')
  t.is(first, 15, 'half-way between base/2 and base')
  await wait(200)
  t.deepEqual(calls, ['deactivated', 'deactivated', 'deactivated'])
  t.is(retry.size, 0)
})

test('a retry that throws is scheduled again; stop cancels everything', async (t) => {
  const { retry, calls } = retrier((attempt) => (attempt === 1 ? 'throw' : 'done'))
  retry.failed(KEY, 'amt-off')
  await wait(150)
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
