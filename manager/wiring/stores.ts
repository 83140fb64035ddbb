import path from 'node:path'
import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { logLegacyImport, openTokenStore } from '../api/tokens/open-token-store.ts'
import type { TokenStore } from '../api/tokens/token-store.ts'
import { TOKEN_DATABASE_FILE_NAME, type ManagerConfig } from '../config/config.ts'
import { openPostgresPool } from '../database/postgres-pool.ts'
import type { Inventory } from '../inventory/port.ts'
import { openPostgresInventory } from '../inventory/postgres/open.ts'
import { openSqliteInventory } from '../inventory/sqlite/open.ts'

/** Where the manager keeps its state, by `database.engine` (docs/operations.md). */
export interface Stores {
  inventory: Inventory
  tokens: TokenStore
  /** The shared database's pool (leases); null on SQLite (one process). */
  pool: pg.Pool | null
  /** Closes the token store and the Inventory, then the pool. */
  close(): Promise<void>
}

export async function openStores(config: ManagerConfig, log: Logger): Promise<Stores> {
  if (config.database.engine === 'sqlite') {
    const inventory = await openSqliteInventory({ dataDir: config.dataDir, log })
    try {
      const file = path.join(config.dataDir, TOKEN_DATABASE_FILE_NAME)
      const tokens = await openTokenStore({ engine: 'sqlite', file }, config.tokensFile, log)
      logLegacyImport(tokens.legacy, log)
      return {
        inventory,
        tokens: tokens.tokens,
        pool: null,
        close: async () => {
          await tokens.close()
          await inventory.close()
        },
      }
    } catch (err) {
      await inventory.close()
      throw err
    }
  }
  const pool = await openPostgresPool({ ...config.database.postgres, log })
  try {
    const inventory = await openPostgresInventory({ pool, log })
    const tokens = await openTokenStore({ engine: 'postgres', pool }, config.tokensFile, log)
    logLegacyImport(tokens.legacy, log)
    return {
      inventory,
      tokens: tokens.tokens,
      pool,
      close: async () => {
        await tokens.close()
        await inventory.close()
        await pool.end()
      },
    }
  } catch (err) {
    await pool.end()
    throw err
  }
}
