import type { FastifyPluginCallback } from 'fastify'
import type { ConsoleContext } from '../context.ts'
import { pageFrame } from '../page-frame.ts'
import { HostAuditPanel } from '../pages/host-audit.tsx'
import { DeletedHostPanel, HostFieldsPanel } from '../pages/host-fields.tsx'
import { HostPage } from '../pages/host-page.tsx'
import { sendFragment, sendPage } from '../render.ts'
import { auditQueryOf, loadAudit, loadHost, loadPolicy } from './host-page-data.ts'

interface HostRoute {
  Params: { tenantId: string; hostId: string }
  Querystring: Record<string, string>
}

const HOST = '/tenants/:tenantId/hosts/:hostId'

/**
 * The host page and its two fragments (the console's auth hook has checked the caller and the tenant):
 *   GET …/hosts/:hostId                    the page (?before=<event id>&class=security|activity pages the audit)
 *   GET …/hosts/:hostId/fragments/fields   the fields panel (a deleted host's panel says so, 404)
 *   GET …/hosts/:hostId/fragments/audit    a page of the audit trail (same query)
 * A host that is gone but has audit events gets its page (deleted, with the trail); one without any is a 404 page.
 */
export function hostPageRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  const { inventory } = ctx
  return (app, _options, done) => {
    app.get<HostRoute>(HOST, async (request, reply) => {
      const key = request.params
      const query = auditQueryOf(request.query)
      await inventory.getTenant(key.tenantId)
      const certificates = (await ctx.acmCertificates?.(key.tenantId)) ?? []
      const [host, page, policy] = await Promise.all([
        loadHost(inventory, key),
        loadAudit(inventory, key, query),
        loadPolicy(inventory, key, certificates),
      ])
      if (host === null && page.events.length === 0 && query.before === undefined) return reply.callNotFound()
      const frame = pageFrame(request, ctx.assets)
      const props = { frame, ...key, host, policy, audit: { query, page }, now: new Date() }
      return sendPage(reply, HostPage(props))
    })

    app.get<HostRoute>(`${HOST}/fragments/fields`, async (request, reply) => {
      await inventory.getTenant(request.params.tenantId)
      const host = await loadHost(inventory, request.params)
      if (host === null) return sendFragment(reply.code(404), DeletedHostPanel({ hostId: request.params.hostId }))
      return sendFragment(reply, HostFieldsPanel({ ...host, now: new Date() }))
    })

    app.get<HostRoute>(`${HOST}/fragments/audit`, async (request, reply) => {
      const key = request.params
      const query = auditQueryOf(request.query)
      await inventory.getTenant(key.tenantId)
      const page = await loadAudit(inventory, key, query)
      return sendFragment(reply, HostAuditPanel({ ...key, query, page }))
    })
    done()
  }
}
