import path from 'node:path'
import type { OpenedTokenStore } from '../api/tokens/open-token-store.ts'
import { CliError, type CliIo } from './io.ts'

/** `tokens --config` / `--data-dir`, or their environment variables. */
export interface TokenStoreChoice {
  config?: string
  dataDir?: string
}

export const ENV_CONFIG = 'AMT_MANAGER_CONFIG'
export const ENV_DATA_DIR = 'AMT_MANAGER_DATA_DIR'

/**
 * The manager's own token store, opened locally (no API call) for the `tokens` commands: with a manager
 * configuration, the store of its `database.engine` (PostgreSQL: a pool of one connection from
 * `database.postgres`, closed with the store); without one, the SQLite token database in the data directory
 * (default ./data, where the demo keeps it). Like the server, the first open after an upgrade imports the legacy
 * token file (told on stderr, names only). The stores and the config are loaded here, when a command runs: the
 * client commands' cold start stays free of them.
 */
export async function openLocalTokenStore(choice: TokenStoreChoice, io: CliIo): Promise<OpenedTokenStore> {
  const config = choice.config ?? io.env[ENV_CONFIG]
  const [{ openTokenStore }, { DEFAULT_TOKENS_FILE_NAME, TOKEN_DATABASE_FILE_NAME, loadManagerConfig }] =
    await Promise.all([import('../api/tokens/open-token-store.ts'), import('../config/config.ts')])
  let opened: OpenedTokenStore
  if (config === undefined || choice.dataDir !== undefined) {
    const dataDir = path.resolve(choice.dataDir ?? io.env[ENV_DATA_DIR] ?? 'data')
    const file = path.join(dataDir, TOKEN_DATABASE_FILE_NAME)
    opened = await openTokenStore({ engine: 'sqlite', file }, path.join(dataDir, DEFAULT_TOKENS_FILE_NAME))
  } else {
    const loaded = loadManagerConfig(config, { env: io.env })
    if (!loaded.ok) throw new CliError(`invalid configuration ${config}: ${loaded.problems.join('; ')}`)
    const { database, dataDir, tokensFile } = loaded.config
    if (database.engine === 'sqlite') {
      const file = path.join(dataDir, TOKEN_DATABASE_FILE_NAME)
      opened = await openTokenStore({ engine: 'sqlite', file }, tokensFile)
    } else {
      const { openPostgresPool } = await import('../database/postgres-pool.ts')
      const pool = await openPostgresPool({ ...database.postgres, poolSize: 1, applicationName: 'amt-manager tokens' })
      try {
        const store = await openTokenStore({ engine: 'postgres', pool }, tokensFile)
        opened = { ...store, close: () => pool.end() }
      } catch (err) {
        await pool.end()
        throw err
      }
    }
  }
  tellLegacyImport(opened, io)
  return opened
}

function tellLegacyImport({ legacy }: OpenedTokenStore, io: CliIo): void {
  if (legacy?.outcome === 'imported')
    io.err(
      `imported ${legacy.names.length} API token(s) of the legacy file ${legacy.file} ` +
        `(${legacy.names.join(', ') || 'none'}); it is now ${legacy.renamedTo}\n`,
    )
  else if (legacy?.outcome === 'store-not-empty')
    io.err(`the legacy API token file ${legacy.file} was not imported: the token store has tokens already\n`)
}
