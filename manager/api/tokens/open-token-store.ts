import type pg from 'pg'
import type { Logger } from '../../../lib/log.ts'
import { importLegacyTokens, type LegacyImport } from './legacy-token-file.ts'
import { PostgresTokenStore } from './postgres-token-store.ts'
import { SqliteTokenStore } from './sqlite-token-store.ts'
import type { TokenStore } from './token-store.ts'

/** Where the tokens live: the configured engine (config `database`). */
export type TokenDatabase =
  /** `file`: <dataDir>/api-tokens.sqlite (config TOKEN_DATABASE_FILE_NAME). */
  { engine: 'sqlite'; file: string } | { engine: 'postgres'; pool: pg.Pool }

export interface OpenedTokenStore {
  tokens: TokenStore
  /** The SQLite file, or `PostgreSQL` (for messages). */
  where: string
  /** What became of the legacy JSON token file; null when there was none. */
  legacy: LegacyImport | null
  /** Closes the SQLite file; a PostgreSQL pool stays open (it is the caller's). */
  close(): Promise<void>
}

/**
 * The token store of the configured engine, schema up to date, with the legacy JSON token file (`legacyFile`,
 * config `tokensFile`) imported on the first open (legacy-token-file.ts). The server and the local `tokens`
 * commands both open the store through here, so whichever runs first after an upgrade imports the file.
 */
export async function openTokenStore(
  database: TokenDatabase,
  legacyFile: string,
  log?: Logger,
): Promise<OpenedTokenStore> {
  const opened =
    database.engine === 'sqlite'
      ? await SqliteTokenStore.open(database.file)
      : await PostgresTokenStore.open(database.pool, log)
  const close = () => (opened instanceof SqliteTokenStore ? opened.close() : Promise.resolve())
  try {
    const legacy = await importLegacyTokens(opened, legacyFile)
    return { tokens: opened, where: opened instanceof SqliteTokenStore ? opened.file : 'PostgreSQL', legacy, close }
  } catch (err) {
    await close()
    throw err
  }
}

/** One log line for the import (token names only, never a hash). */
export function logLegacyImport(legacy: LegacyImport | null, log: Logger): void {
  if (legacy === null) return
  const tokensLog = log.child({ module: 'tokens' })
  if (legacy.outcome === 'store-not-empty')
    tokensLog.warn(
      { file: legacy.file },
      'a legacy API token file exists, but the token store has tokens already: not imported (remove the file)',
    )
  else
    tokensLog.info(
      {
        file: legacy.file,
        renamedTo: legacy.renamedTo,
        count: legacy.names.length,
        tokens: legacy.names,
        ...(legacy.alreadyThere.length > 0 ? { alreadyThere: legacy.alreadyThere } : {}),
      },
      'imported the API tokens of the legacy token file into the token store',
    )
}
