import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { Counter, Registry } from 'prom-client'
import { silentLogger } from '../../../../lib/log.ts'
import { RolloutRetention, type RolloutRetentionPolicy } from '../../../../manager/core/rollouts/rollout-retention.ts'
import { whileHeld, type Lease } from '../../../../manager/ports/lease.ts'
import { SqliteRolloutStore } from '../../../../manager/rollouts/sqlite-rollout-store.ts'
import type { PruneBatch } from '../../../../manager/rollouts/store.ts'
import { seedFinished } from '../../../conformance/rollout-store.ts'

const NOW = new Date('2026-12-07T12:00:00.000Z')
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString()
const POLICY: RolloutRetentionPolicy = { maxAgeDays: 30, intervalMs: 3_600_000, batchSize: 10 }

/** A real SQLite rollout store with rollouts of every kind, its batches recorded. */
async function seededStore(t: ExecutionContext) {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-rollout-retention-'))
  const store = await SqliteRolloutStore.open(path.join(dir, 'rollouts.sqlite'))
  t.teardown(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })
  await seedFinished(store, 'old-completed', 25, { state: 'completed', finishedAt: daysAgo(31) })
  await seedFinished(store, 'old-aborted', 4, { state: 'aborted', finishedAt: daysAgo(400) })
  await seedFinished(store, 'young-cancelled', 3, { state: 'cancelled', finishedAt: daysAgo(29) })
  await seedFinished(store, 'old-paused', 2, { state: 'paused', finishedAt: daysAgo(90) })
  await seedFinished(store, 'running', 2, { state: 'running' })
  const batches: PruneBatch[] = []
  const recorded = {
    pruneFinished: async (before: string, limit: number) => {
      const batch = await store.pruneFinished(before, limit)
      batches.push(batch)
      return batch
    },
  }
  return { store, recorded, batches }
}

function retention(store: Pick<SqliteRolloutStore, 'pruneFinished'>, policy = POLICY) {
  const deleted = new Counter({ name: 'deleted_total', help: 'test', registers: [new Registry()] })
  const sweep = new RolloutRetention({ store, log: silentLogger(), deleted, now: () => NOW, policy })
  return { sweep, deleted: async () => (await deleted.get()).values[0]?.value ?? 0 }
}

test('retention: final rollouts finished before maxAgeDays go with their members, in batches; the rest stay', async (t) => {
  const { store, recorded, batches } = await seededStore(t)
  const { sweep, deleted } = retention(recorded)
  t.teardown(() => sweep.stop())
  t.deepEqual(await sweep.prune(), { rollouts: 2, members: 29 })
  t.true(batches.length >= 4, `29 members in batches of 10: ${JSON.stringify(batches)}`)
  t.true(batches.every((batch) => batch.members <= 10 && batch.rollouts <= 10))
  t.deepEqual((await store.list({})).map(({ id }) => id).sort(), ['old-paused', 'running', 'young-cancelled'])
  t.deepEqual(await store.members('old-completed'), [])
  t.is((await store.members('old-paused')).length, 2, 'not final: kept, however old')
  t.is(await deleted(), 2)
  t.deepEqual(await sweep.prune(), { rollouts: 0, members: 0 })
})

test('retention: maxAgeDays 0 keeps every rollout', async (t) => {
  const { store, recorded, batches } = await seededStore(t)
  const { sweep } = retention(recorded, { ...POLICY, maxAgeDays: 0 })
  t.deepEqual(await sweep.prune(), { rollouts: 0, members: 0 })
  t.deepEqual(batches, [], 'the store is not even asked')
  t.is((await store.list({})).length, 5)
})

test('retention: the sweep runs on the lease holder, once at once when it gains the lease', async (t) => {
  const { store, recorded } = await seededStore(t)
  const listeners = new Set<(held: boolean) => void>()
  let held = false
  const lease: Lease = {
    name: 'test',
    shared: true,
    get held() {
      return held
    },
    onChange: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stop: () => Promise.resolve(),
  }
  const { sweep, deleted } = retention(recorded)
  const stop = whileHeld(lease, sweep, (err) => t.fail(String(err)))
  t.teardown(stop)
  t.is((await store.list({})).length, 5, 'nothing deleted without the lease')
  held = true
  for (const listener of listeners) listener(true)
  const deadline = Date.now() + 10_000
  while ((await deleted()) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  t.is(await deleted(), 2, 'the pass ran once the lease was gained')
  t.is((await store.list({})).length, 3)
})
