import type { Logger } from '../../lib/log.ts'
import type { ApiContext } from '../api/context.ts'
import type { SessionStore } from '../api/sessions/session-store.ts'
import type { ConsoleAssets } from './assets/load-assets.ts'

/** What every console route gets: the API's Inventory, tokens and sessions, a logger, the browser assets. */
export interface ConsoleContext extends Pick<ApiContext, 'inventory' | 'tokens'> {
  /** The same store the API server was given (createApiServer's `sessions`). */
  sessions: SessionStore
  log: Logger
  assets: ConsoleAssets
}
