import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TenantId } from '../../../schemas/ids.ts'
import { canSeeTenant, principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { TenantParams } from '../params.ts'
import { TenantView, tenantView } from '../views.ts'

const CreateTenantBody = z.strictObject({
  tenantId: TenantId,
  name: z.string().min(1).max(128).optional().describe('default: the tenantId'),
  passwordPolicy: z
    .enum(['static', 'random'])
    .optional()
    .describe('AMT passwords: one per tenant (static) or one per host (random, the default)'),
})

const TAGS = ['tenants']

/**
 * Tenants: every token lists the tenants it can see; only a global admin creates them, through the core (its
 * tenant-write hook: the profile names `desired` carries follow the new tenant's password policy at once).
 */
export function tenantRoutes({ inventory, domain }: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listTenants',
          summary: 'tenants visible to the token (all of them for a global token)',
          response: {
            200: jsonResponse(z.object({ tenants: z.array(TenantView) }), 'the visible tenants'),
            ...errorResponses('UNAUTHENTICATED'),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request)
        const tenants = await inventory.listTenants()
        return { tenants: tenants.filter((tenant) => canSeeTenant(principal, tenant.tenantId)).map(tenantView) }
      },
    )

    app.post(
      '/tenants',
      {
        config: { access: 'global-admin' },
        schema: {
          tags: TAGS,
          operationId: 'createTenant',
          summary: 'create a tenant (global admin)',
          body: CreateTenantBody,
          response: {
            201: jsonResponse(TenantView, 'created'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_EXISTS'),
          },
        },
      },
      async (request, reply) => {
        const tenant = await domain.createTenant(request.body)
        request.log.info({ tenantId: tenant.tenantId, actor: principalOf(request).name }, 'tenant created')
        return reply.code(201).send(tenantView(tenant))
      },
    )

    app.get(
      '/tenants/:tenantId',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getTenant',
          params: TenantParams,
          response: {
            200: jsonResponse(TenantView, 'the tenant'),
            ...errorResponses('UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => tenantView(await inventory.getTenant(request.params.tenantId)),
    )
    done()
  }
}
