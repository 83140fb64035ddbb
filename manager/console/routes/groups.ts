import type { FastifyPluginCallback } from 'fastify'
import { listPolicyDrift } from '../../core/policy-drift.ts'
import type { ConsoleContext } from '../context.ts'
import { pageFrame } from '../page-frame.ts'
import { GroupsPage } from '../pages/groups-page.tsx'
import { sendPage } from '../render.ts'

/**
 * GET /console/tenants/{tenantId}/groups: the host groups with their drift (docs/policy.md), counted in one pass
 * over the tenant's hosts as GET …/groups/{name}/drift counts each.
 */
export function groupRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get<{ Params: { tenantId: string } }>('/tenants/:tenantId/groups', async (request, reply) => {
      const { tenantId } = request.params
      await ctx.inventory.getTenant(tenantId)
      const certificates = ctx.acmCertificates?.(tenantId) ?? []
      const [groups, drifted] = await Promise.all([
        ctx.inventory.listGroups(tenantId),
        listPolicyDrift({ inventory: ctx.inventory, certificates, now: new Date() }, tenantId),
      ])
      const rows = groups.map((group) => ({
        group,
        drift: drifted.filter((host) => host.source === `group:${group.name}`).length,
      }))
      return sendPage(reply, GroupsPage({ frame: pageFrame(request, ctx.assets), tenantId, rows }))
    })
    done()
  }
}
