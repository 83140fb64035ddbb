import type { AmtInfo } from '../amt/port.ts'
import type { ReconcileContext } from './context.ts'
import { NotConfirmedError } from './failure.ts'

/**
 * The confirm step: a fresh amtinfo decides whether an operation worked. rpc v2 exits 0 even when RPS reported
 * an error, so exit 0 is never taken as success on its own.
 */

/** Activated (CCM or ACM) and the CIRA connection to MPS up or coming up. */
export async function confirmActivated(ctx: ReconcileContext): Promise<AmtInfo> {
  ctx.signal.throwIfAborted()
  const info = await ctx.amt.info()
  const remote = info.ras?.remoteStatus ?? null
  const activated = info.controlMode === 'CCM' || info.controlMode === 'ACM'
  if (activated && (remote === 'connecting' || remote === 'connected')) return info
  throw new NotConfirmedError(
    `rpc activate ended but amtinfo shows control mode ${info.controlMode}, remote status ${remote ?? 'none'}`,
  )
}

/** Back in pre-provisioning. */
export async function confirmDeactivated(ctx: ReconcileContext): Promise<AmtInfo> {
  ctx.signal.throwIfAborted()
  const info = await ctx.amt.info()
  if (info.controlMode === 'PRE_PROVISIONING') return info
  throw new NotConfirmedError(`rpc deactivate ended but amtinfo shows control mode ${info.controlMode}`)
}
