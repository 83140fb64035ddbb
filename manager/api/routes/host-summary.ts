import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { HOST_CAPABILITIES, HOST_CONDITIONS } from '../../inventory/port.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { TenantParams } from '../params.ts'

const counts = <K extends string>(keys: readonly [K, ...K[]]) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.int().min(0)])) as Record<K, z.ZodInt>)

const HostSummary = z
  .object({
    total: z.int().min(0),
    online: z.int().min(0),
    offline: z.int().min(0),
    byCapability: counts(HOST_CAPABILITIES).describe('hosts per capability (every one present, 0 when none)'),
    byCondition: counts(HOST_CONDITIONS).describe('hosts per condition (every one present, 0 when none)'),
  })
  .meta({ id: 'HostSummary', description: "Counts of a tenant's hosts, for an overview" })

/** A tenant's hosts counted by capability, condition and presence: one grouped query, no host loaded. */
export function hostSummaryRoutes({ inventory }: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants/:tenantId/hosts/summary',
      {
        config: { access: 'read' },
        schema: {
          tags: ['hosts'],
          operationId: 'summarizeTenantHosts',
          summary: "the tenant's hosts counted by capability, by condition and online/offline",
          params: TenantParams,
          response: {
            200: jsonResponse(HostSummary, 'the counts'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        return inventory.summarizeHosts(tenantId)
      },
    )
    done()
  }
}
