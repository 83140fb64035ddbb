import type { CoreContext } from '../context.ts'
import type { Host, HostKey, HostPatch } from '../../inventory/port.ts'
import { activationDeadlinePassed, formatDuration } from '../publish/status-texts.ts'

/**
 * The deadline's verdict on one host: if the activation requested at `requestedAt` is still unanswered, its
 * status becomes "AMT Activation Failed: no result from the agent within <deadline>" (ERROR) and the request is
 * closed, through the write path (commit → audit 'activation.deadline' → status). A later report from the agent
 * overwrites it as usual.
 */
export async function expireActivation(
  ctx: CoreContext,
  key: HostKey,
  requestedAt: string,
  deadlineMs: number,
): Promise<void> {
  const status = activationDeadlinePassed(deadlineMs)
  const detail = { requestedAt, deadline: formatDuration(deadlineMs) }
  const expire = (host: Host): HostPatch | null =>
    host.activationRequestedAt === requestedAt ? { ...status, activationRequestedAt: null } : null
  const audit = (stored: readonly Host[]) =>
    stored.map(({ tenantId, hostId }) => ({ tenantId, hostId, kind: 'activation.deadline', actor: 'manager', detail }))
  const stored = await ctx.book.serial(() => ctx.writes.update(key, expire, { audit }))
  if (stored === null) return
  ctx.metrics.activations.inc({ result: 'deadline_passed' })
  ctx.log.warn({ ...key, requestedAt, deadlineMs }, 'activation deadline passed')
}
