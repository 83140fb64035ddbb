import type { Logger } from '../../lib/log.ts'
import type { ApiContext } from '../api/context.ts'
import type { ConsoleAssets } from './assets/load-assets.ts'

/** What every console route gets: the API's Inventory and tokens, a logger, the browser assets. */
export interface ConsoleContext extends Pick<ApiContext, 'inventory' | 'tokens'> {
  log: Logger
  assets: ConsoleAssets
}
