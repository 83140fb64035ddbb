import type { Logger } from '../../lib/log.ts'
import type { ApiContext } from '../api/context.ts'
import type { HostChanges } from '../core/publish/host-change-feed.ts'
import type { RolloutService } from '../core/rollouts/rollout-service.ts'
import type { SessionStore } from '../api/sessions/session-store.ts'
import type { ConsoleAssets } from './assets/load-assets.ts'
import type { WaveHistory } from './data/wave-history.ts'

/**
 * What every console route gets: the API's Inventory, tokens and sessions, the core's host changes (the overview's
 * wave history follows them), a logger, the browser assets.
 */
export interface ConsoleContext extends Pick<ApiContext, 'inventory' | 'tokens' | 'acmCertificates'> {
  /** The same store the API server was given (createApiServer's `sessions`). */
  sessions: SessionStore
  /** The activation waves' history the overview's chart draws; default one in this process's memory. */
  waves?: WaveHistory
  /** The core's feed (ManagerCore.hostChanges). */
  hostChanges: Pick<HostChanges, 'subscribeAll'>
  /** Rollouts (docs/rollouts.md); absent: no rollout pages (as the API serves no rollout routes then). */
  rollouts?: Pick<RolloutService, 'list' | 'get' | 'progress' | 'members'>
  log: Logger
  assets: ConsoleAssets
}
