import test from 'ava'
import { coalesced } from '../../../../manager/console/data/coalesced.ts'

test('callers during a run share one next run that starts after it; other keys run on their own', async (t) => {
  const started: string[] = []
  const releases: (() => void)[] = []
  const shared = coalesced(async (key) => {
    const run = started.length
    started.push(key)
    await new Promise<void>((resolve) => releases.push(resolve))
    return `${key}#${run}`
  })
  const first = shared('acme')
  const second = shared('acme')
  const third = shared('acme')
  const other = shared('beta')
  t.deepEqual(started, ['acme', 'beta'], 'the later acme callers wait for the run under way')
  releases[0]?.()
  t.is(await first, 'acme#0')
  while (releases.length < 3) await new Promise((resolve) => setImmediate(resolve))
  t.deepEqual(started, ['acme', 'beta', 'acme'])
  releases[2]?.()
  t.is(await second, 'acme#2')
  t.is(await third, 'acme#2', 'one next run for both')
  releases[1]?.()
  t.is(await other, 'beta#1')
})

test('a failed run fails its callers only; the next run still starts', async (t) => {
  let calls = 0
  const shared = coalesced(() => {
    calls += 1
    return calls === 1 ? Promise.reject(new Error('locked')) : Promise.resolve('ok')
  })
  const failing = shared('acme')
  const next = shared('acme')
  await t.throwsAsync(failing, { message: 'locked' })
  t.is(await next, 'ok')
})
