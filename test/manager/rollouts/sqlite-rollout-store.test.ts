import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import { ROLLOUT_DATABASE_FILE_NAME, SqliteRolloutStore } from '../../../manager/rollouts/sqlite-rollout-store.ts'
import { newRollout, rolloutStoreConformance, seedFinished } from '../../conformance/rollout-store.ts'

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-rollouts-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function openStore(t: ExecutionContext, dir: string): Promise<SqliteRolloutStore> {
  const store = await SqliteRolloutStore.open(path.join(dir, ROLLOUT_DATABASE_FILE_NAME))
  t.teardown(() => store.close())
  return store
}

rolloutStoreConformance('sqlite', async (t) => {
  const dir = await tempDir(t)
  return { store: await openStore(t, dir), another: () => openStore(t, dir) }
})

test('sqlite: the file is owner-only and a rollout outlives a restart', async (t) => {
  const dir = path.join(await tempDir(t), 'data')
  const store = await openStore(t, dir)
  await store.create(newRollout('r1', ['h-a', 'h-b']))
  t.is((await stat(path.join(dir, ROLLOUT_DATABASE_FILE_NAME))).mode & 0o777, 0o600)
  await store.close()
  const restarted = await openStore(t, dir)
  t.like(await restarted.get('acme', 'r1'), { state: 'canary', version: 1 })
  t.is((await restarted.members('r1')).length, 2)
})

test('sqlite: migration 2 fills finished_at of the rollouts kept from their documents', async (t) => {
  const dir = await tempDir(t)
  const file = path.join(dir, ROLLOUT_DATABASE_FILE_NAME)
  const store = await openStore(t, dir)
  await seedFinished(store, 'r-ended', 3, { state: 'aborted', finishedAt: '2026-11-01T00:00:00.000Z' })
  await seedFinished(store, 'r-running', 2, { state: 'running' })
  await store.close()
  // Back to schema version 1: no finished_at column, finishedAt only inside the documents.
  const db = new Database(file)
  db.exec('DROP INDEX rollouts_by_finished; ALTER TABLE rollouts DROP COLUMN finished_at; PRAGMA user_version = 1')
  db.close()
  const migrated = await openStore(t, dir)
  t.deepEqual(await migrated.pruneFinished('2026-12-01T00:00:00.000Z', 100), { members: 3, rollouts: 1 })
  t.deepEqual(
    (await migrated.list({})).map(({ id }) => id),
    ['r-running'],
  )
  await migrated.close()
  const reread = new Database(file, { readonly: true })
  t.teardown(() => reread.close())
  t.is(reread.pragma('user_version', { simple: true }), 2)
})
