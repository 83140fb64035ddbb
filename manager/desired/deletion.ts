import { clearRetained } from '../bus/outbound.ts'
import { appendAudit, afterHostWrite, type CoreContext } from '../domain/context.ts'
import { keyOf } from '../domain/host-book.ts'
import { NotFoundError } from '../inventory/errors.ts'
import type { Host, HostKey } from '../inventory/port.ts'

export type DeletionOutcome = 'deleted' | 'pending'

/**
 * Deleting a host without leaving AMT provisioned behind (ARCHITECTURE: no race):
 *   requestDeletion → AMT known off (or `force`) → remove now;
 *                   → otherwise desired UNPROVISIONED (generation + 1) + deletion 'pending', published;
 *   the agent deactivates and reports UNPROVISIONED for that generation → the state handler's
 *   'deletion-ready' effect → completeDeletion removes the host and its credential, clears its retained topics.
 * Audit events stay.
 */
export async function requestDeletion(ctx: CoreContext, key: HostKey, actor: string, { force = false }: { force?: boolean } = {}): Promise<DeletionOutcome> {
  return ctx.book.serial(async () => {
    const host = await ctx.book.get(key)
    if (host === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
    if (force || amtKnownOff(host)) {
      await remove(ctx, host, actor, force ? 'forced' : 'amt-off')
      return 'deleted'
    }
    const [stored] = await ctx.book.setDesiredMany({ keys: [keyOf(host)] }, { desiredState: 'UNPROVISIONED', deletion: 'pending', activationRequestedAt: null })
    if (stored === undefined) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
    await appendAudit(ctx, [
      { tenantId: stored.tenantId, hostId: stored.hostId, kind: 'host.deletion-requested', actor, detail: { generation: stored.desiredGeneration } },
    ])
    ctx.desired.publish(stored)
    afterHostWrite(ctx, stored)
    ctx.log.info({ ...keyOf(stored), generation: stored.desiredGeneration, actor }, 'deletion pending until the agent reports AMT deactivated')
    return 'pending'
  })
}

/** Completes a pending deletion once the agent reported AMT off (called for the 'deletion-ready' effect). */
export async function completeDeletion(ctx: CoreContext, key: HostKey): Promise<void> {
  await ctx.book.serial(async () => {
    const host = await ctx.book.get(key)
    if (host === null || host.deletion !== 'pending') return
    await remove(ctx, host, 'manager', 'deactivated')
  })
}

/**
 * Nothing to undo: the node has no AMT, activation was never asked for (and AMT is not reported on), or the
 * agent reported AMT off for the current desired generation.
 */
function amtKnownOff(host: Host): boolean {
  if (host.phase === 'NOT_SUPPORTED') return true
  if (host.desiredGeneration === 0 && host.currentState !== 'PROVISIONED') return true
  const reportedOff = host.phase === 'UNPROVISIONED' && host.currentState === 'UNPROVISIONED'
  return reportedOff && host.desiredState !== 'PROVISIONED' && host.observedGeneration >= host.desiredGeneration
}

async function remove(ctx: CoreContext, host: Host, actor: string, reason: string): Promise<void> {
  await ctx.book.delete(host)
  clearRetained(ctx.outbound, host)
  ctx.desired.forget(host)
  ctx.status.forget(host)
  ctx.deadlines.forget(host)
  await appendAudit(ctx, [{ tenantId: host.tenantId, hostId: host.hostId, kind: 'host.deleted', actor, detail: { reason } }])
  ctx.log.info({ ...keyOf(host), actor, reason }, 'host deleted')
}
