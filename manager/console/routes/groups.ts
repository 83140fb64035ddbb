import type { FastifyPluginCallback } from 'fastify'
import { hasRole } from '../../api/auth.ts'
import { listPolicyDrift } from '../../core/policy-drift.ts'
import type { ConsoleContext } from '../context.ts'
import { pageFrame } from '../page-frame.ts'
import { GroupsPage } from '../pages/groups-page.tsx'
import { GroupPage } from '../pages/group-page.tsx'
import { sendPage } from '../render.ts'

/**
 * GET /console/tenants/{tenantId}/groups: the host groups with their drift (docs/policy.md), counted in one pass
 * over the tenant's hosts as GET …/groups/{name}/drift counts each; …/groups/{name}: one group, its drifted hosts
 * and, for operators when rollouts are wired, the form that applies its policy as rollouts.
 */
export function groupRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get<{ Params: { tenantId: string } }>('/tenants/:tenantId/groups', async (request, reply) => {
      const { tenantId } = request.params
      await ctx.inventory.getTenant(tenantId)
      const certificates = (await ctx.acmCertificates?.(tenantId)) ?? []
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
    app.get<{ Params: { tenantId: string; name: string } }>(
      '/tenants/:tenantId/groups/:name',
      async (request, reply) => {
        const { tenantId, name } = request.params
        const group = await ctx.inventory.getGroup(tenantId, name)
        const certificates = (await ctx.acmCertificates?.(tenantId)) ?? []
        const drifted = await listPolicyDrift({ inventory: ctx.inventory, certificates, now: new Date() }, tenantId, {
          group: name,
        })
        const frame = pageFrame(request, ctx.assets)
        const canAct = ctx.rollouts !== undefined && hasRole(frame.principal, 'operator')
        const hostIds = drifted.map((host) => host.hostId)
        return sendPage(reply, GroupPage({ frame, tenantId, group, drifted: hostIds, canAct }))
      },
    )
    done()
  }
}
