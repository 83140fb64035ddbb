import type { Logger } from '../../../lib/log.ts'
import type { RecordResult, ReportSource } from '../../core/facts.ts'
import type { ActivationProfiles } from '../../core/publish/activation-profile.ts'
import type { ManagerCore } from '../../core/manager-core.ts'
import type { AmtPasswordSource } from '../../ports/provisioning.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import { failedPrecondition, internal, notFound } from '../errors.ts'

/** What the RPC handlers use: the manager core (the SAME functions the MQTT handlers use) and the password source. */
export interface BridgeContext {
  core: Pick<ManagerCore, 'getHost' | 'record'>
  secrets: AmtPasswordSource
  /** Which RPS profile the host activates with: the same decision as `desired.profileName` (MQTT). */
  profiles: Pick<ActivationProfiles, 'resolve'>
  log: Logger
}

/** Reports from the bridge: the core sets agentKind 'grpc' and does no sequence checks. */
export const GRPC_SOURCE: ReportSource = { kind: 'grpc' }

/** The host of the caller's tenant; NOT_FOUND when absent. Any Inventory failure propagates (→ INTERNAL). */
export async function hostOf(ctx: BridgeContext, key: HostKey): Promise<Host> {
  const host = await ctx.core.getHost(key)
  if (host === null) throw notFoundError(key)
  return host
}

/** The stored host of an accepted report, or the refusal: NOT_FOUND, FAILED_PRECONDITION (a guard), INTERNAL. */
export function storedHost(result: RecordResult, key: HostKey): Host {
  if (result.outcome === 'accepted') return result.host
  switch (result.reason) {
    case 'unknown-host':
      throw notFoundError(key)
    case 'precondition':
      throw failedPrecondition(result.detail ?? 'precondition failed')
    default:
      throw internal(`the report was not stored (${result.reason})`)
  }
}

const notFoundError = (key: HostKey) => notFound(`host ${key.hostId} not found`)
