import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { hasRole } from '../../api/auth.ts'
import { ApiError } from '../../api/errors.ts'
import { MEMBER_STATUSES } from '../../rollouts/rollout.ts'
import type { ConsoleContext } from '../context.ts'
import { pageFrame } from '../page-frame.ts'
import type { MemberPage } from '../pages/rollout-page.tsx'
import { RolloutPage } from '../pages/rollout-page.tsx'
import { RolloutProgressPanel } from '../pages/rollout-progress.tsx'
import { RolloutsPage } from '../pages/rollouts-page.tsx'
import { sendFragment, sendPage } from '../render.ts'

/** Members on one page of a rollout's page. */
const MEMBER_PAGE_SIZE = 50

const MemberQuery = z.object({
  status: z.enum(MEMBER_STATUSES).optional(),
  after: z.coerce.number().int().min(-1).optional(),
})

type TenantRequest = { Params: { tenantId: string } }
type RolloutRequest = { Params: { tenantId: string; rolloutId: string }; Querystring: Record<string, string> }

/**
 * The rollouts of a tenant (docs/rollouts.md), read through the same service as the API (the console's auth hook
 * has checked the caller and the tenant):
 *   GET …/rollouts                        the list, newest first, with progress bars
 *   GET …/rollouts/:rolloutId             a rollout (?status=&after= pages its members)
 *   GET …/rollouts/:rolloutId/progress    its live part (state, reason, counts, an operator's buttons)
 * No route when the server has no rollouts (as the API).
 */
export function rolloutRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    const service = ctx.rollouts
    if (service === undefined) return done()
    const canAct = (request: FastifyRequest) => request.principal !== null && hasRole(request.principal, 'operator')
    const load = async ({ tenantId, rolloutId }: { tenantId: string; rolloutId: string }) => {
      await ctx.inventory.getTenant(tenantId)
      const rollout = await service.get(tenantId, rolloutId)
      return { rollout, progress: await service.progress(rollout) }
    }

    app.get<TenantRequest>('/tenants/:tenantId/rollouts', async (request, reply) => {
      const { tenantId } = request.params
      await ctx.inventory.getTenant(tenantId)
      const rollouts = await service.list(tenantId)
      const rows = await Promise.all(
        rollouts.map(async (rollout) => ({ rollout, progress: await service.progress(rollout) })),
      )
      return sendPage(reply, RolloutsPage({ frame: pageFrame(request, ctx.assets), tenantId, rows }))
    })

    app.get<RolloutRequest>('/tenants/:tenantId/rollouts/:rolloutId', async (request, reply) => {
      const parsed = MemberQuery.safeParse(request.query)
      if (!parsed.success) throw new ApiError('VALIDATION_FAILED', 'the members take status=<member status> and after')
      const { status, after } = parsed.data
      const { rollout, progress } = await load(request.params)
      const members = await service.members(rollout, {
        limit: MEMBER_PAGE_SIZE,
        ...(status === undefined ? {} : { statuses: [status] }),
        ...(after === undefined ? {} : { after }),
      })
      const last = members.at(-1)
      const page: MemberPage = {
        status,
        members,
        nextAfter: members.length === MEMBER_PAGE_SIZE && last !== undefined ? last.position : null,
      }
      const frame = pageFrame(request, ctx.assets)
      return sendPage(reply, RolloutPage({ frame, rollout, progress, canAct: canAct(request), page }))
    })

    app.get<RolloutRequest>('/tenants/:tenantId/rollouts/:rolloutId/progress', async (request, reply) => {
      const { rollout, progress } = await load(request.params)
      return sendFragment(reply, RolloutProgressPanel({ rollout, progress, canAct: canAct(request) }))
    })
    done()
  }
}
