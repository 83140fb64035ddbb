import { appendAudit, afterHostWrite, type CoreContext } from '../context.ts'
import { VersionConflictError } from '../../inventory/errors.ts'
import type { HostKey } from '../../inventory/port.ts'
import { activationDeadlinePassed, formatDuration } from '../publish/status-texts.ts'

/**
 * The deadline's verdict on one host: if the activation requested at `requestedAt` is still unanswered, its
 * status becomes "AMT Activation Failed: no result from the agent within <deadline>" (ERROR) and the request is
 * closed. A later report from the agent overwrites it as usual.
 */
export async function expireActivation(ctx: CoreContext, key: HostKey, requestedAt: string, deadlineMs: number): Promise<void> {
  await ctx.book.serial(async () => {
    for (let attempt = 1; ; attempt++) {
      const host = await ctx.book.get(key)
      if (host === null || host.activationRequestedAt !== requestedAt) return
      const status = activationDeadlinePassed(deadlineMs)
      try {
        const [stored] = await ctx.book.commit([{ host, patch: { ...status, activationRequestedAt: null } }])
        if (stored === undefined) return
        await appendAudit(ctx, [
          { tenantId: host.tenantId, hostId: host.hostId, kind: 'activation.deadline', actor: 'manager', detail: { requestedAt, deadline: formatDuration(deadlineMs) } },
        ])
        afterHostWrite(ctx, stored)
        ctx.metrics.activations.inc({ result: 'deadline_passed' })
        ctx.log.warn({ ...key, requestedAt, deadlineMs }, 'activation deadline passed')
        return
      } catch (err) {
        if (!(err instanceof VersionConflictError) || attempt >= 3) throw err
        ctx.book.forget(key)
      }
    }
  })
}
