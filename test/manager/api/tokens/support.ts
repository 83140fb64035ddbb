import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { openPostgresPool } from '../../../../manager/database/postgres-pool.ts'
import { PostgresTokenStore } from '../../../../manager/api/tokens/postgres-token-store.ts'
import { SqliteTokenStore } from '../../../../manager/api/tokens/sqlite-token-store.ts'
import { TOKEN_DATABASE_FILE_NAME } from '../../../../manager/config/config.ts'

/** A temporary directory, removed in t.teardown. */
export async function tempDir(t: ExecutionContext, prefix = 'amt-tokens-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Opens the SQLite token store in `dir` (one more connection per call), closed in t.teardown. */
export async function openSqliteTokens(t: ExecutionContext, dir: string): Promise<SqliteTokenStore> {
  const store = await SqliteTokenStore.open(path.join(dir, TOKEN_DATABASE_FILE_NAME))
  t.teardown(() => store.close())
  return store
}

/** A store on its own pool of the database at `url` (as a replica or the CLI would), the pool ended in t.teardown. */
export async function openPostgresTokens(t: ExecutionContext, url: string): Promise<PostgresTokenStore> {
  const pool = await openPostgresPool({ url, poolSize: 3 })
  t.teardown(() => pool.end())
  return PostgresTokenStore.open(pool)
}
