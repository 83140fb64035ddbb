import type { CoreContext } from '../context.ts'
import { keyOf } from '../host-book.ts'
import { NotFoundError } from '../../inventory/errors.ts'
import type { RemovalReason } from './host-removal.ts'
import type { Host, HostKey, HostPatch } from '../../inventory/port.ts'
import { deactivationPending, deletionPending, formatDuration } from '../publish/status-texts.ts'

export type DeletionOutcome = 'deleted' | 'pending'

/** Why a host record is removed: AMT known off at the request, reported off by the agent, or forced by an admin. */

/**
 * Deleting a host without leaving AMT provisioned behind (ARCHITECTURE: no race), as named steps:
 * Every host write below goes through the write path (host-write-path.ts: commit → audit → after-write).
 *   requestDeletion → AMT known off (or `force`) → removeHost now;
 *                   → otherwise desired UNPROVISIONED (generation + 1) + deletion 'pending' + status
 *                     "AMT deactivation pending: …", published; the agent deactivates (it asks for the password
 *                     on secret/req) and reports UNPROVISIONED for that generation → the state handler's
 *                     'deletion-ready' effect → completeDeletion → removeHost.
 *   removeHost → mark pending (nothing can activate it meanwhile) → remove its records elsewhere OUTSIDE the
 *   write queue (secrets, RPS per-host profiles, MPS device: HostRemoval) → in the queue: delete the Inventory
 *   record (and the device credential) → audit 'host.deleted' (audit events stay) → close the device's broker
 *   connection → clear its retained topics.
 * A failure to remove the records elsewhere keeps the host pending with "Host deletion pending: <reason>" and
 * retries with backoff (CleanupRetry); a repeated DELETE retries at once, and so does the start-up sweep. A forced deletion removes the host anyway, keeps its
 * AMT password (AMT may still be provisioned with it) and audits what was left behind.
 */
export async function requestDeletion(
  ctx: CoreContext,
  key: HostKey,
  actor: string,
  { force = false }: { force?: boolean } = {},
): Promise<DeletionOutcome> {
  const removal = await ctx.book.serial(async () => {
    const host = await ctx.book.fresh(key)
    if (host === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
    const off = amtKnownOff(host)
    if (!force && !off) {
      await askForDeactivation(ctx, host, actor)
      return null
    }
    const reason: RemovalReason = off ? 'amt-off' : 'forced'
    if (!ctx.removal.external) {
      await deleteRecord(ctx, host, actor, reason, { changes: [] })
      return 'done' as const
    }
    await markPending(ctx, host)
    return reason
  })
  if (removal === null) return 'pending'
  if (removal === 'done') return 'deleted'
  return removeHost(ctx, key, actor, removal)
}

/** Completes a pending deletion once the agent reported AMT off (called for the 'deletion-ready' effect). */
export async function completeDeletion(ctx: CoreContext, key: HostKey): Promise<DeletionOutcome> {
  return removeHost(ctx, key, 'manager', 'deactivated')
}

/**
 * Nothing to undo: the node has no AMT, activation was never asked for (and AMT is not reported on), or the
 * agent reported AMT off for the current desired generation.
 */
export function amtKnownOff(host: Host): boolean {
  if (host.phase === 'NOT_SUPPORTED') return true
  if (host.desiredGeneration === 0 && host.currentState !== 'PROVISIONED') return true
  const reportedOff = host.phase === 'UNPROVISIONED' && host.currentState === 'UNPROVISIONED'
  return reportedOff && host.desiredState !== 'PROVISIONED' && host.observedGeneration >= host.desiredGeneration
}

/** Desired UNPROVISIONED (new generation), deletion pending, a status saying what it waits for; published. */
async function askForDeactivation(ctx: CoreContext, host: Host, actor: string): Promise<void> {
  const waiting = host.online
    ? 'waiting for the agent to deactivate AMT'
    : 'the host is offline; it is deleted once its agent reports AMT deactivated'
  const pending = deactivationPending(waiting)
  const patch: HostPatch = {
    desiredState: 'UNPROVISIONED',
    deletion: 'pending',
    activationRequestedAt: null,
    status: pending.status,
    statusIndicator: pending.statusIndicator,
  }
  const audit = (written: readonly Host[]) =>
    written.map(({ tenantId, hostId, desiredGeneration: generation, online }) => ({
      tenantId,
      hostId,
      kind: 'host.deletion-requested',
      actor,
      detail: { generation, online },
    }))
  const [stored] = await ctx.writes.setDesired({ keys: [keyOf(host)] }, patch, { audit })
  if (stored === undefined) throw new NotFoundError('host', { tenantId: host.tenantId, hostId: host.hostId })
  ctx.log.info(
    { ...keyOf(stored), generation: stored.desiredGeneration, actor, online: stored.online },
    'deletion pending until the agent reports AMT deactivated',
  )
}

/** Records elsewhere first (outside the write queue: they are network calls), then the Inventory record. */
export async function removeHost(
  ctx: CoreContext,
  key: HostKey,
  actor: string,
  reason: RemovalReason,
): Promise<DeletionOutcome> {
  if (!ctx.removal.external) {
    return ctx.book.serial(async () => {
      const host = await ctx.book.fresh(key)
      if (host === null) return 'deleted'
      if (host.deletion !== 'pending') return 'pending' // never removes a host that is not being deleted
      await deleteRecord(ctx, host, actor, reason, { changes: [] })
      return 'deleted'
    })
  }
  let changes: string[] = []
  let failure: string | undefined
  try {
    changes = await ctx.removal.removeRecords(keyOf(key), { keepSecrets: reason === 'forced' })
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err)
  }
  return ctx.book.serial(async () => {
    const host = await ctx.book.fresh(key)
    if (host === null || host.deletion !== 'pending') {
      ctx.cleanupRetry.succeeded(key) // gone, or not being deleted any more (never removes such a host)
      return host === null ? 'deleted' : 'pending'
    }
    if (failure !== undefined && reason !== 'forced') {
      await keepPending(ctx, host, failure, reason)
      return 'pending'
    }
    await deleteRecord(ctx, host, actor, reason, { changes, ...(failure === undefined ? {} : { leftBehind: failure }) })
    return 'deleted'
  })
}

/** Deletion pending from now on: setDesired refuses to activate the host while its records are being removed. */
async function markPending(ctx: CoreContext, host: Host): Promise<void> {
  if (host.deletion === 'pending') return
  await ctx.writes.commit([{ host, patch: { deletion: 'pending' } }])
}

async function keepPending(ctx: CoreContext, host: Host, failure: string, reason: RemovalReason): Promise<void> {
  const delayMs = ctx.cleanupRetry.failed(keyOf(host), reason) ?? 0
  const text = deletionPending(
    `its records could not all be removed (${failure}); retrying in ${formatDuration(Math.ceil(delayMs / 1000) * 1000)}, or DELETE again`,
  )
  const { tenantId, hostId } = host
  const audit = [{ tenantId, hostId, kind: 'host.deletion-failed', actor: 'manager', detail: { reason: failure } }]
  await ctx.writes.commit([{ host, patch: { status: text.status, statusIndicator: text.statusIndicator } }], { audit })
  ctx.log.warn(
    { ...keyOf(host), reason: failure, retryInMs: delayMs },
    'deletion stays pending: the host records elsewhere could not be removed',
  )
}

async function deleteRecord(
  ctx: CoreContext,
  host: Host,
  actor: string,
  reason: RemovalReason,
  outcome: { changes: string[]; leftBehind?: string },
): Promise<void> {
  const detail = {
    reason,
    changes: outcome.changes,
    ...(outcome.leftBehind === undefined ? {} : { leftBehind: outcome.leftBehind }),
  }
  // The write path closes the device's connection, then clears its retained topics (host-write-path.ts).
  const audit = [{ tenantId: host.tenantId, hostId: host.hostId, kind: 'host.deleted', actor, detail }]
  await ctx.writes.delete(host, { audit })
  ctx.cleanupRetry.succeeded(host)
  if (outcome.leftBehind === undefined)
    ctx.log.info({ ...keyOf(host), actor, reason, changes: outcome.changes }, 'host deleted')
  else
    ctx.log.warn(
      { ...keyOf(host), actor, reason, leftBehind: outcome.leftBehind },
      'host deleted (forced); some of its records elsewhere are left behind',
    )
}
