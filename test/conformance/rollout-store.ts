import test, { type ExecutionContext } from 'ava'
import { ROLLOUT_STATES, type Rollout } from '../../manager/rollouts/rollout.ts'
import { RolloutStoreError, type NewRollout, type RolloutStore } from '../../manager/rollouts/store.ts'

/** A fresh, empty store and a way to open another on the same database (a replica, or a restart). */
export type RolloutStoreFactory = (
  t: ExecutionContext,
) => Promise<{ store: RolloutStore; another: () => Promise<RolloutStore> }>

const T0 = '2026-12-07T09:00:00.000Z'

export function newRollout(id: string, hostIds: readonly string[], overrides: Partial<Rollout> = {}): NewRollout {
  return {
    rollout: {
      id,
      tenantId: 'acme',
      target: { filter: { condition: 'UNPROVISIONED' } },
      action: { state: 'PROVISIONED', controlMode: 'CCM' },
      controls: { maxConcurrent: 10, maxStartsPerMinute: 60, canary: { hosts: 2, approval: 'manual' } },
      state: 'canary',
      reason: null,
      pausedFrom: null,
      schedule: { rate: 60, intervalStartedAt: null, failedAtIntervalStart: 0 },
      createdBy: 'api:ops',
      createdAt: T0,
      ...overrides,
    },
    hostIds,
    canaryCount: 2,
  }
}

/** The RolloutStore contract (manager/rollouts/store.ts), run against every adapter. */
export function rolloutStoreConformance(label: string, create: RolloutStoreFactory): void {
  test(`${label}: a created rollout reads back whole, with its members pending in order and the canary first`, async (t) => {
    const { store } = await create(t)
    const input = newRollout('r1', ['h-a', 'h-b', 'h-c'], {
      controls: {
        maxConcurrent: 5,
        maxStartsPerMinute: 30,
        ramp: { initial: 5, factor: 2 },
        canary: { percent: 10, approval: { successPercent: 90 } },
        abort: { failurePercent: 20, minFinished: 10 },
        window: { timezone: 'Europe/Berlin', days: [1, 2, 3], start: '22:00', end: '05:00' },
      },
    })
    const created = await store.create(input)
    t.deepEqual(created, { ...input.rollout, version: 1, updatedAt: T0, finishedAt: null })
    t.deepEqual(await store.get('acme', 'r1'), created)
    const members = await store.members('r1')
    t.deepEqual(
      members.map((m) => [m.position, m.hostId, m.canary, m.status, m.generation, m.errorName]),
      [
        [0, 'h-a', true, 'pending', null, null],
        [1, 'h-b', true, 'pending', null, null],
        [2, 'h-c', false, 'pending', null, null],
      ],
    )
    const error = await t.throwsAsync(store.create(input), { instanceOf: RolloutStoreError })
    t.is(error?.code, 'ROLLOUT_ALREADY_EXISTS')
    const missing = await t.throwsAsync(store.get('other', 'r1'), { instanceOf: RolloutStoreError })
    t.is(missing?.code, 'ROLLOUT_NOT_FOUND', 'another tenant does not see it')
  })

  test(`${label}: updates are versioned; a stale version is refused and changes nothing`, async (t) => {
    const { store } = await create(t)
    await store.create(newRollout('r1', ['h-a']))
    const later = '2026-12-07T09:05:00.000Z'
    const updated = await store.update(
      'acme',
      'r1',
      { state: 'paused', pausedFrom: 'canary', reason: 'by x' },
      1,
      later,
    )
    t.like(updated, { state: 'paused', pausedFrom: 'canary', reason: 'by x', version: 2, updatedAt: later })
    const stale = await t.throwsAsync(store.update('acme', 'r1', { state: 'running' }, 1, later))
    t.is((stale as RolloutStoreError).code, 'ROLLOUT_VERSION_CONFLICT')
    t.like(await store.get('acme', 'r1'), { state: 'paused', version: 2 })
    const gone = await t.throwsAsync(store.update('acme', 'nope', { state: 'running' }, 1, later))
    t.is((gone as RolloutStoreError).code, 'ROLLOUT_NOT_FOUND')
  })

  test(`${label}: lists newest first, by tenant and by state`, async (t) => {
    const { store } = await create(t)
    await store.create(newRollout('r1', ['h-a']))
    await store.create(newRollout('r2', ['h-a'], { createdAt: '2026-12-07T10:00:00.000Z', state: 'running' }))
    await store.create(newRollout('r3', ['h-a'], { tenantId: 'other', createdAt: '2026-12-07T11:00:00.000Z' }))
    t.deepEqual(
      (await store.list({ tenantId: 'acme' })).map((r) => r.id),
      ['r2', 'r1'],
    )
    t.deepEqual(
      (await store.list({})).map((r) => r.id),
      ['r3', 'r2', 'r1'],
    )
    t.deepEqual(
      (await store.list({ states: ['canary'] })).map((r) => r.id),
      ['r3', 'r1'],
    )
    t.deepEqual(await store.list({ states: [] }), [])
  })

  test(`${label}: countByState counts the rollouts of every tenant in each state, every state present`, async (t) => {
    const { store, another } = await create(t)
    const empty = await store.countByState()
    t.deepEqual(Object.keys(empty).sort(), [...ROLLOUT_STATES].sort())
    t.true(Object.values(empty).every((count) => count === 0))
    await store.create(newRollout('r1', ['h-a']))
    await store.create(newRollout('r2', ['h-a'], { state: 'running' }))
    await store.create(newRollout('r3', ['h-a'], { tenantId: 'other', state: 'running' }))
    const r4 = await store.create(newRollout('r4', ['h-b'], { state: 'running' }))
    await store.update('acme', 'r4', { state: 'completed', finishedAt: T0 }, r4.version, T0)
    const counts = await (await another()).countByState()
    t.like(counts, { canary: 1, running: 2, completed: 1, aborted: 0, paused: 0 })
    t.is(
      Object.values(counts).reduce((sum, count) => sum + count, 0),
      (await store.list({})).length,
    )
  })

  test(`${label}: member statuses are written together, queried by status, canary and position, and counted`, async (t) => {
    const { store, another } = await create(t)
    const hostIds = Array.from({ length: 12 }, (_, i) => `h-${String(i).padStart(2, '0')}`)
    await store.create(newRollout('r1', hostIds))
    const started = '2026-12-07T09:01:00.000Z'
    const done = '2026-12-07T09:02:00.000Z'
    await store.updateMembers('r1', [
      { position: 0, status: 'succeeded', generation: 3, errorName: null, startedAt: started, finishedAt: done },
      {
        position: 1,
        status: 'failed',
        generation: 2,
        errorName: 'ActivationFailed',
        startedAt: started,
        finishedAt: done,
      },
      {
        position: 2,
        status: 'failed',
        generation: 2,
        errorName: 'ActivationFailed',
        startedAt: started,
        finishedAt: done,
      },
      { position: 3, status: 'failed', generation: 2, errorName: null, startedAt: started, finishedAt: done },
      { position: 4, status: 'in-progress', generation: 7, errorName: null, startedAt: started, finishedAt: null },
      { position: 5, status: 'skipped', generation: null, errorName: null, startedAt: null, finishedAt: done },
      { position: 6, status: 'not-supported', generation: null, errorName: null, startedAt: null, finishedAt: done },
    ])
    const reopened = await another()
    t.deepEqual(await reopened.progress('r1'), {
      targeted: 12,
      pending: 5,
      inProgress: 1,
      succeeded: 1,
      failed: 3,
      failedByError: { ActivationFailed: 2, Unknown: 1 },
      notSupported: 1,
      skipped: 1,
      canary: { targeted: 2, finished: 2 },
    })
    t.deepEqual(
      (await reopened.members('r1', { statuses: ['pending'], limit: 3 })).map((m) => m.hostId),
      ['h-07', 'h-08', 'h-09'],
    )
    t.deepEqual(
      (await reopened.members('r1', { statuses: ['pending'], after: 9 })).map((m) => m.position),
      [10, 11],
    )
    t.deepEqual(
      (await reopened.members('r1', { canary: true })).map((m) => m.status),
      ['succeeded', 'failed'],
    )
    t.deepEqual(await reopened.members('r1', { statuses: [] }), [])
    t.like((await reopened.members('r1', { statuses: ['in-progress'] }))[0], {
      position: 4,
      hostId: 'h-04',
      canary: false,
      generation: 7,
      startedAt: started,
      finishedAt: null,
    })
  })

  test(`${label}: a large membership (12 000 hosts) is stored and counted`, async (t) => {
    const { store } = await create(t)
    const hostIds = Array.from({ length: 12_000 }, (_, i) => `host-${i}`)
    await store.create({ ...newRollout('big', hostIds), canaryCount: 120 })
    t.like(await store.progress('big'), { targeted: 12_000, pending: 12_000, canary: { targeted: 120, finished: 0 } })
    t.is((await store.members('big', { after: 11_998 }))[0]?.hostId, 'host-11999')
  })

  test(`${label}: pruneFinished deletes final rollouts finished before the limit with their members, in batches`, async (t) => {
    const { store, another } = await create(t)
    const old = '2026-11-01T00:00:00.000Z'
    const recent = '2026-12-07T08:00:00.000Z'
    const cutoff = '2026-12-01T00:00:00.000Z'
    await seedFinished(store, 'r-completed', 5, { state: 'completed', finishedAt: old })
    await seedFinished(store, 'r-aborted', 3, { state: 'aborted', finishedAt: old })
    await seedFinished(store, 'r-cancelled', 1, { state: 'cancelled', finishedAt: old })
    await seedFinished(store, 'r-recent', 2, { state: 'completed', finishedAt: recent })
    await seedFinished(store, 'r-running', 2, { state: 'running' })
    // Not final, whatever its finishedAt says: never deleted.
    await seedFinished(store, 'r-paused', 2, { state: 'paused', finishedAt: old })
    const batches = []
    for (let batch = await store.pruneFinished(cutoff, 4); batch.members + batch.rollouts > 0;) {
      batches.push(batch)
      t.true(
        batch.members <= 4 && batch.rollouts <= 4,
        `a batch deletes at most 4 rows of each: ${JSON.stringify(batch)}`,
      )
      if (batches.length > 10) break
      batch = await store.pruneFinished(cutoff, 4)
    }
    t.is(
      batches.reduce((sum, { members }) => sum + members, 0),
      9,
    )
    t.is(
      batches.reduce((sum, { rollouts }) => sum + rollouts, 0),
      3,
    )
    t.true(batches.length >= 3, 'nine members in batches of four take three batches at least')
    const reopened = await another()
    t.deepEqual((await reopened.list({})).map(({ id }) => id).sort(), ['r-paused', 'r-recent', 'r-running'])
    for (const id of ['r-completed', 'r-aborted', 'r-cancelled']) {
      t.deepEqual(await reopened.members(id), [], `${id} has no member left`)
      const error = await t.throwsAsync(reopened.get('acme', id), { instanceOf: RolloutStoreError })
      t.is(error?.code, 'ROLLOUT_NOT_FOUND')
    }
    for (const [id, count] of [
      ['r-recent', 2],
      ['r-running', 2],
      ['r-paused', 2],
    ] as const)
      t.is((await reopened.members(id)).length, count, `${id} keeps its members`)
    t.like(await reopened.countByState(), { completed: 1, running: 1, paused: 1, aborted: 0, cancelled: 0 })
    t.deepEqual(await reopened.pruneFinished(cutoff, 4), { members: 0, rollouts: 0 })
  })
}

/** A rollout of `members` hosts brought by one update to `patch` (a final state with its finishedAt, say). */
export async function seedFinished(
  store: RolloutStore,
  id: string,
  members: number,
  patch: Pick<Rollout, 'state'> & Partial<Pick<Rollout, 'finishedAt'>>,
): Promise<void> {
  const hostIds = Array.from({ length: members }, (_, i) => `${id}-h${i}`)
  const created = await store.create(newRollout(id, hostIds, { state: 'running' }))
  await store.update('acme', id, patch, created.version, T0)
}
