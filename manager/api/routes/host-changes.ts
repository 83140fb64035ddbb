import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses } from '../errors.ts'
import type { HostChangeStreams } from '../host-change-streams.ts'
import { TenantParams } from '../params.ts'

const EventId = z.string().max(64)

const ChangesQuery = z.object({
  lastEventId: EventId.optional().describe(
    'resume after this event id, for clients that cannot send the Last-Event-ID header (the header wins)',
  ),
})

const ChangesHeaders = z.object({
  'last-event-id': EventId.optional().describe('the id of the last event seen: the stream resumes after it'),
})

const STREAM_DESCRIPTION = `a text/event-stream (Server-Sent Events), open until the client or the server closes it.
Events: \`host\` (data: the Host object; id: the change id), \`deleted\` (data: { hostId }), \`resync\` (changes may
have been missed: read again what you show), \`ready\` (the stream is live; its id is where a reconnect resumes).
A comment line \`: heartbeat\` comes every 25 s (at most half the idle timeout); \`retry:\` says how long to wait
before reconnecting. Details: docs/api.md "Live host changes".`

/** Live host changes of one tenant over Server-Sent Events (host-change-streams.ts). */
export function hostChangeRoutes({ inventory }: ApiContext, streams: HostChangeStreams): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants/:tenantId/hosts/changes',
      {
        config: { access: 'read' },
        schema: {
          tags: ['hosts'],
          operationId: 'streamHostChanges',
          summary: "the tenant's host changes, live (Server-Sent Events); resumes by Last-Event-ID",
          params: TenantParams,
          querystring: ChangesQuery,
          headers: ChangesHeaders,
          response: {
            200: {
              description: STREAM_DESCRIPTION,
              content: { 'text/event-stream': { schema: z.string() } },
            },
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'TENANT_NOT_FOUND',
              'TOO_MANY_STREAMS',
              'STREAMS_UNAVAILABLE',
            ),
          },
        },
      },
      async (request, reply) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        streams.open(reply, {
          tokenId: principalOf(request).tokenId,
          tenantId,
          lastEventId: request.headers['last-event-id'] ?? request.query.lastEventId,
        })
      },
    )
    done()
  }
}
