import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { FileTokenStore } from '../api/tokens/file-token-store.ts'
import type { TokenStore } from '../api/tokens/token-store.ts'
import type { ManagerConfig } from '../config/config.ts'
import { openPostgresPool } from '../database/postgres-pool.ts'
import type { Inventory } from '../inventory/port.ts'
import { openSqliteInventory } from '../inventory/sqlite/open.ts'
import { StartupError } from '../../lib/service-exit.ts'

/** Where the manager keeps its state, by `database.engine` (docs/operations.md). */
export interface Stores {
  inventory: Inventory
  tokens: TokenStore
  /** The shared database's pool (leases); null on SQLite (one process). */
  pool: pg.Pool | null
  /** Closes the Inventory, then the pool. */
  close(): Promise<void>
}

export async function openStores(config: ManagerConfig, log: Logger): Promise<Stores> {
  if (config.database.engine === 'sqlite') {
    const inventory = await openSqliteInventory({ dataDir: config.dataDir, log })
    return {
      inventory,
      tokens: new FileTokenStore(config.tokensFile),
      pool: null,
      close: () => inventory.close(),
    }
  }
  const pool = await openPostgresPool({ ...config.database.postgres, log })
  await pool.end()
  throw new StartupError('database.engine postgres: the PostgreSQL Inventory is not wired yet')
}
