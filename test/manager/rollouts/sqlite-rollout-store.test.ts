import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { ROLLOUT_DATABASE_FILE_NAME, SqliteRolloutStore } from '../../../manager/rollouts/sqlite-rollout-store.ts'
import { newRollout, rolloutStoreConformance } from '../../conformance/rollout-store.ts'

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
