import test, { type ExecutionContext } from 'ava'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { PostgresRolloutStore } from '../../../manager/rollouts/postgres-rollout-store.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { rolloutStoreConformance, seedFinished } from '../../conformance/rollout-store.ts'

const database = usePostgres(test)

/** A store on its own pool of the database at `url` (as a replica would), the pool ended in t.teardown. */
async function openStore(t: ExecutionContext, url: string): Promise<PostgresRolloutStore> {
  const pool = await openPostgresPool({ url, poolSize: 3 })
  t.teardown(() => pool.end())
  return PostgresRolloutStore.open(pool)
}

let databases = 0
rolloutStoreConformance('postgres', async (t) => {
  const url = await database(`rollouts_${++databases}`)
  return { store: await openStore(t, url), another: () => openStore(t, url) }
})

test('postgres: migration step 2 fills finished_at of the rollouts kept from their documents', async (t) => {
  const url = await database('rollouts_migration')
  const store = await openStore(t, url)
  await seedFinished(store, 'r-ended', 3, { state: 'completed', finishedAt: '2026-11-01T00:00:00.000Z' })
  await seedFinished(store, 'r-running', 2, { state: 'running' })
  // Back to schema version 1 of the component: no finished_at column, finishedAt only inside the documents.
  const pool = await openPostgresPool({ url, poolSize: 1 })
  t.teardown(() => pool.end())
  await pool.query('ALTER TABLE rollouts DROP COLUMN finished_at')
  await pool.query("UPDATE schema_migrations SET version = 1 WHERE component = 'rollouts'")
  const migrated = await openStore(t, url)
  t.deepEqual(await migrated.pruneFinished('2026-12-01T00:00:00.000Z', 2), { members: 2, rollouts: 0 })
  t.deepEqual(await migrated.pruneFinished('2026-12-01T00:00:00.000Z', 2), { members: 1, rollouts: 1 })
  t.deepEqual(
    (await migrated.list({})).map(({ id }) => id),
    ['r-running'],
  )
  const version = await pool.query<{ version: number }>(
    "SELECT version FROM schema_migrations WHERE component = 'rollouts'",
  )
  t.is(version.rows[0]?.version, 2)
})
