import type { Report } from '../../core/facts.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import { failedPrecondition, invalidArgument } from '../errors.ts'
import type { AmtStatusRequest } from '../requests.ts'
import type { Caller } from '../auth.ts'
import { GRPC_SOURCE, hostOf, storedHost, type BridgeContext } from './context.ts'

/**
 * ReportAMTStatus → a capability report (the host's SKU), with the reference's guards evaluated inside the write
 * (RecordOptions.precondition), so concurrent reports cannot both pass:
 *
 *   status    stored sku    feature         result
 *   ENABLED   UNSPECIFIED   "AMT" / "ISM"   sku AMT / ISM; OK
 *   ENABLED   UNSPECIFIED   anything else   INVALID_ARGUMENT
 *   ENABLED   AMT or ISM    any             FAILED_PRECONDITION (already enabled)
 *   DISABLED  AMT or ISM    any             sku UNSPECIFIED, "AMT not supported: <reason>" ERROR; OK
 *   DISABLED  UNSPECIFIED   any             FAILED_PRECONDITION (already disabled)
 *   UNKNOWN / unknown number                INVALID_ARGUMENT
 */
export const DISABLED_REASON = 'AMT/ISM is not enabled on the host (reported DISABLED by the gRPC agent)'

export async function reportAmtStatus(
  ctx: BridgeContext,
  caller: Caller,
  request: AmtStatusRequest,
): Promise<Record<string, never>> {
  const key: HostKey = { tenantId: caller.tenantId, hostId: request.host_id }
  if (request.status === 'ENABLED') await enable(ctx, key, request.feature)
  else if (request.status === 'DISABLED') await disable(ctx, key)
  else throw invalidArgument('status must be ENABLED or DISABLED')
  return {}
}

const alreadyEnabled = (host: Host): string | null =>
  host.sku === 'UNSPECIFIED' ? null : `AMT is already enabled (sku ${host.sku})`
const alreadyDisabled = (host: Host): string | null => (host.sku === 'UNSPECIFIED' ? 'AMT is already disabled' : null)

async function enable(ctx: BridgeContext, key: HostKey, feature: string): Promise<void> {
  if (feature !== 'AMT' && feature !== 'ISM') {
    // Nothing is written on this path: the answer depends on the stored SKU only.
    const refused = alreadyEnabled(await hostOf(ctx, key))
    if (refused !== null) throw failedPrecondition(refused)
    throw invalidArgument(`feature must be "AMT" or "ISM" when status is ENABLED (got ${JSON.stringify(feature)})`)
  }
  const report: Report<'capability'> = { kind: 'capability', facts: { capable: true, sku: feature } }
  const host = storedHost(await ctx.core.record(key, report, GRPC_SOURCE, { precondition: alreadyEnabled }), key)
  ctx.log.info({ tenantId: key.tenantId, hostId: key.hostId, sku: host.sku }, 'gRPC agent reported AMT enabled')
}

async function disable(ctx: BridgeContext, key: HostKey): Promise<void> {
  const facts = { capable: false, sku: 'UNSPECIFIED', reason: DISABLED_REASON } as const
  const report: Report<'capability'> = { kind: 'capability', facts }
  storedHost(await ctx.core.record(key, report, GRPC_SOURCE, { precondition: alreadyDisabled }), key)
  ctx.log.info({ tenantId: key.tenantId, hostId: key.hostId }, 'gRPC agent reported AMT disabled')
}
