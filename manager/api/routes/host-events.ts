import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { HostParams, Limit } from '../params.ts'
import { AuditClassView, AuditEventView, auditEventView } from '../views.ts'

const EventsQuery = z.object({
  limit: Limit,
  before: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('only events with a lower id: nextBefore of the previous page'),
  class: AuditClassView.optional().describe(
    'only events of this class (security events are kept apart from device chatter)',
  ),
})

export const EventPage = z.object({
  events: z.array(AuditEventView).describe('newest first'),
  nextBefore: z.int().nullable().describe('pass as `before` for older events; null when there are none'),
})

/** Audit events of a host, newest first. They outlive the host: a deleted host's history stays readable. */
export function hostEventRoutes({ inventory }: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants/:tenantId/hosts/:hostId/events',
      {
        config: { access: 'read' },
        schema: {
          tags: ['hosts'],
          operationId: 'listHostEvents',
          summary: 'audit events of a host (desired changes, state reports, deletion, password reads), newest first',
          params: HostParams,
          querystring: EventsQuery,
          response: {
            200: jsonResponse(EventPage, 'a page of audit events, newest first'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId, hostId } = request.params
        const { limit, before, class: auditClass } = request.query
        await inventory.getTenant(tenantId)
        const query = {
          hostId,
          limit,
          ...(before === undefined ? {} : { before }),
          ...(auditClass === undefined ? {} : { class: auditClass }),
        }
        const events = await inventory.listAudit(tenantId, query)
        const last = events.at(-1)
        return {
          events: events.map(auditEventView),
          nextBefore: events.length === limit && last !== undefined ? last.id : null,
        }
      },
    )
    done()
  }
}
