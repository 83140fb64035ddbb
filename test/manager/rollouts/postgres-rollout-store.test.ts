import test, { type ExecutionContext } from 'ava'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { PostgresRolloutStore } from '../../../manager/rollouts/postgres-rollout-store.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { rolloutStoreConformance } from '../../conformance/rollout-store.ts'

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
