import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { WAVE_DATABASE_FILE_NAME } from '../../../../manager/config/config.ts'
import { openPostgresWaveHistory } from '../../../../manager/console/data/postgres-wave-history.ts'
import type { SqlWaveHistoryOptions } from '../../../../manager/console/data/sql-wave-history.ts'
import { openSqliteWaveHistory } from '../../../../manager/console/data/sqlite-wave-history.ts'
import { openPostgresPool } from '../../../../manager/database/postgres-pool.ts'
import { usePostgres } from '../../../helpers/postgres-server.ts'
import { waveHistoryConformance } from '../../../conformance/wave-history.ts'

const database = usePostgres(test)

async function openSqlite(t: ExecutionContext, dir: string, options: SqlWaveHistoryOptions) {
  const opened = await openSqliteWaveHistory(path.join(dir, WAVE_DATABASE_FILE_NAME), options)
  t.teardown(opened.close)
  return opened.history
}

async function openPostgres(t: ExecutionContext, url: string, options: SqlWaveHistoryOptions) {
  const pool = await openPostgresPool({ url, poolSize: 2 })
  t.teardown(() => pool.end())
  return openPostgresWaveHistory(pool, undefined, options)
}

waveHistoryConformance('sqlite', async (t, options) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-waves-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return { history: await openSqlite(t, dir, options), another: () => openSqlite(t, dir, options) }
})

waveHistoryConformance('postgres', async (t, options) => {
  const url = await database('waves')
  return { history: await openPostgres(t, url, options), another: () => openPostgres(t, url, options) }
})
