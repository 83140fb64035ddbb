import path from 'node:path'
import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { PostgresSessionRecords } from '../api/sessions/postgres-session-records.ts'
import type { SessionRecords } from '../api/sessions/session-records.ts'
import { SqliteSessionRecords } from '../api/sessions/sqlite-session-records.ts'
import { logLegacyImport, openTokenStore } from '../api/tokens/open-token-store.ts'
import type { TokenStore } from '../api/tokens/token-store.ts'
import {
  SESSION_DATABASE_FILE_NAME,
  TOKEN_DATABASE_FILE_NAME,
  WAVE_DATABASE_FILE_NAME,
  type ManagerConfig,
} from '../config/config.ts'
import { openPostgresWaveHistory } from '../console/data/postgres-wave-history.ts'
import { openSqliteWaveHistory } from '../console/data/sqlite-wave-history.ts'
import type { WaveHistory } from '../console/data/wave-history.ts'
import { openPostgresPool } from '../database/postgres-pool.ts'
import type { Inventory } from '../inventory/port.ts'
import { openPostgresInventory } from '../inventory/postgres/open.ts'
import { openSqliteInventory } from '../inventory/sqlite/open.ts'
import { PostgresRolloutStore } from '../rollouts/postgres-rollout-store.ts'
import { ROLLOUT_DATABASE_FILE_NAME, SqliteRolloutStore } from '../rollouts/sqlite-rollout-store.ts'
import type { RolloutStore } from '../rollouts/store.ts'

/** Where the manager keeps its state, by `database.engine` (docs/operations.md). */
export interface Stores {
  inventory: Inventory
  tokens: TokenStore
  /** The web console's sessions (every replica's, on PostgreSQL). */
  sessions: SessionRecords
  /** The console's activation-wave history (every replica's, on PostgreSQL). */
  waves: WaveHistory
  /** Rollouts and their members (docs/rollouts.md): <dataDir>/rollouts.sqlite, or tables of the shared database. */
  rollouts: RolloutStore
  /** The shared database's pool (leases); null on SQLite (one process). */
  pool: pg.Pool | null
  /** Closes the console's stores, the token store and the Inventory, then the pool. */
  close(): Promise<void>
}

type Closer = () => Promise<void>

/** Closes in reverse order of opening; every closer runs even when one fails (the first failure is thrown). */
async function closeAll(closers: readonly Closer[]): Promise<void> {
  const failures: unknown[] = []
  for (const close of [...closers].reverse()) await close().catch((err: unknown) => failures.push(err))
  if (failures.length > 0) throw failures[0]
}

export async function openStores(config: ManagerConfig, log: Logger): Promise<Stores> {
  const closers: Closer[] = []
  try {
    const { database } = config
    const sqlite = database.engine === 'sqlite' ? database.sqlite : null
    const pool = database.engine === 'sqlite' ? null : await openPostgresPool({ ...database.postgres, log })
    if (pool !== null) closers.push(() => pool.end())
    const inventory =
      pool === null
        ? await openSqliteInventory({ ...sqlite, dataDir: config.dataDir, log })
        : await openPostgresInventory({ pool, log })
    closers.push(() => inventory.close())
    const tokens = await openTokenStore(
      pool === null
        ? { engine: 'sqlite', file: path.join(config.dataDir, TOKEN_DATABASE_FILE_NAME) }
        : { engine: 'postgres', pool },
      config.tokensFile,
      log,
    )
    closers.push(() => tokens.close())
    logLegacyImport(tokens.legacy, log)
    const { sessions, waves } = await openConsoleStores(config.dataDir, pool, closers, log)
    const rollouts = await openRolloutStore(config.dataDir, pool, closers, log)
    return { inventory, tokens: tokens.tokens, sessions, waves, rollouts, pool, close: () => closeAll(closers) }
  } catch (err) {
    await closeAll(closers)
    throw err
  }
}

/** The console's sessions and wave history: files next to the token database, or tables of the shared database. */
async function openConsoleStores(dataDir: string, pool: pg.Pool | null, closers: Closer[], log: Logger) {
  if (pool !== null)
    return { sessions: await PostgresSessionRecords.open(pool, log), waves: await openPostgresWaveHistory(pool, log) }
  const sessions = await SqliteSessionRecords.open(path.join(dataDir, SESSION_DATABASE_FILE_NAME))
  closers.push(() => sessions.close())
  const waves = await openSqliteWaveHistory(path.join(dataDir, WAVE_DATABASE_FILE_NAME))
  closers.push(waves.close)
  return { sessions, waves: waves.history }
}

async function openRolloutStore(dataDir: string, pool: pg.Pool | null, closers: Closer[], log: Logger) {
  if (pool !== null) return PostgresRolloutStore.open(pool, log)
  const store = await SqliteRolloutStore.open(path.join(dataDir, ROLLOUT_DATABASE_FILE_NAME))
  closers.push(() => store.close())
  return store
}
