import type { FastifyPluginCallback } from 'fastify'
import { hasRole } from '../../api/auth.ts'
import type { ConsoleContext } from '../context.ts'
import { hostTablePage } from '../data/host-table-page.ts'
import { parseHostTableQuery } from '../data/host-table-query.ts'
import { pageFrame } from '../page-frame.ts'
import { HostRow } from '../pages/host-row.tsx'
import { HostsPage } from '../pages/hosts-page.tsx'
import { sendFragment, sendPage } from '../render.ts'

/**
 * The hosts table (GET /console/tenants/{tenantId}/hosts: filters, sort and paging in the query string, as the
 * API's) and one row of it as a fragment (…/hosts/{hostId}/row) for the table script's live updates. Operators
 * and admins get the checkboxes and the bulk activation; a viewer's page has no action control.
 */
export function hostsTableRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get<{ Params: { tenantId: string } }>('/tenants/:tenantId/hosts', async (request, reply) => {
      const { tenantId } = request.params
      const query = parseHostTableQuery(request.query)
      await ctx.inventory.getTenant(tenantId)
      const page = await hostTablePage(ctx.inventory, tenantId, query)
      const frame = pageFrame(request, ctx.assets)
      const canAct = hasRole(frame.principal, 'operator')
      return sendPage(reply, HostsPage({ frame, tenantId, query, page, canAct }))
    })
    app.get<{ Params: { tenantId: string; hostId: string } }>(
      '/tenants/:tenantId/hosts/:hostId/row',
      async (request, reply) => {
        const host = await ctx.inventory.getHost(request.params)
        const selectable = hasRole(pageFrame(request, ctx.assets).principal, 'operator')
        return sendFragment(reply, HostRow({ host, selectable }))
      },
    )
    done()
  }
}
