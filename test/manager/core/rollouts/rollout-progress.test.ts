import test from 'ava'
import { buildRolloutProgressTopic, decodeRolloutProgress } from '../../../../schemas/rollout-progress.ts'
import { FAILED, hostName, rolloutFixture, SUCCEEDED, TENANT } from './rollout-fixture.ts'

type Fixture = Awaited<ReturnType<typeof rolloutFixture>>

/** The engine's progress messages of one rollout, decoded (every one must be a valid payload). */
function messagesOf(f: Fixture, rolloutId: string) {
  const topic = buildRolloutProgressTopic({ tenantId: TENANT, rolloutId })
  return f.published
    .filter((message) => message.topic === topic)
    .map(({ ms, payload, options }) => {
      const decoded = decodeRolloutProgress(payload)
      if (decoded === null) throw new Error(`not a progress payload: ${payload.toString('utf8')}`)
      return { ms, options, ...decoded }
    })
}

test('progress is published retained QoS 1 as it changes, once per tick at most, ending with the final state', async (t) => {
  const f = await rolloutFixture(t, 20)
  f.answerWith((host) => (host.hostId === hostName(3) ? FAILED : SUCCEEDED))
  const rollout = await f.create({ maxConcurrent: 4, maxStartsPerMinute: 6000 })
  await f.run(30)
  t.is((await f.get(rollout.id)).state, 'completed')
  const messages = messagesOf(f, rollout.id)
  t.true(messages.length >= 3, `${messages.length} messages`)
  t.true(
    messages.every(({ options }) => options.qos === 1 && options.retain),
    'retained, QoS 1',
  )
  t.is(new Set(messages.map(({ ms }) => ms)).size, messages.length, 'at most one message per tick')
  for (let i = 1; i < messages.length; i++) {
    const [before, after] = [messages[i - 1], messages[i]]
    t.true((after?.counts.pending ?? 0) <= (before?.counts.pending ?? 0), 'pending never grows')
    t.notDeepEqual({ ...before, ms: 0, ts: '', updatedAt: '' }, { ...after, ms: 0, ts: '', updatedAt: '' }, 'a change')
  }
  t.like(messages[0], { v: 1, tenantId: TENANT, rolloutId: rollout.id, state: 'running' })
  t.like(messages.at(-1), {
    state: 'completed',
    action: { state: 'PROVISIONED', controlMode: 'CCM' },
    controls: { maxConcurrent: 4, maxStartsPerMinute: 6000, canary: false, abortFailurePercent: null, window: false },
    counts: {
      targeted: 20,
      pending: 0,
      inProgress: 0,
      succeeded: 19,
      failed: 1,
      failedByError: { ActivationFailed: 1 },
      notSupported: 0,
      skipped: 0,
    },
  })
  const count = f.published.length
  await f.run(5)
  t.is(f.published.length, count, 'nothing more after the final message')
})

test('a cancel through the API is published at the next tick; members still in progress update it after', async (t) => {
  const f = await rolloutFixture(t, 10)
  f.answerWith(() => null)
  const rollout = await f.create({ maxConcurrent: 2, maxStartsPerMinute: 6000 })
  await f.run(3)
  t.like(messagesOf(f, rollout.id).at(-1), { state: 'running', counts: { inProgress: 2, pending: 8 } })
  await f.service.apply(TENANT, rollout.id, 'cancel', 'api:test')
  await f.step()
  const cancelled = messagesOf(f, rollout.id).at(-1)
  t.like(cancelled, { state: 'cancelled', counts: { inProgress: 2, pending: 8 } })
  t.regex(cancelled?.reason ?? '', /api:test/)
  f.answerWith(() => SUCCEEDED)
  await f.run(2)
  t.like(messagesOf(f, rollout.id).at(-1), { state: 'cancelled', counts: { inProgress: 0, succeeded: 2, pending: 8 } })
  const count = f.published.length
  await f.run(3)
  t.is(f.published.length, count, 'no message without a change')
})

test('a restarted engine (new lease holder) publishes each rollout it looks at once more', async (t) => {
  const f = await rolloutFixture(t, 5)
  f.answerWith(() => null)
  const rollout = await f.create({ maxConcurrent: 1, maxStartsPerMinute: 6000 })
  await f.run(3)
  const count = messagesOf(f, rollout.id).length
  f.engine.start()
  await f.engine.stop()
  await f.step()
  t.is(messagesOf(f, rollout.id).length, count + 1)
})
