import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { TenantParams } from '../params.ts'
import { viaDmt } from './host-power.ts'

/** The tenant's RPS side: its ACM domain (forwarded to RPS, never stored here) and what RPS holds for it. */

const DomainBody = z.strictObject({
  domainSuffix: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9.-]+$/, { message: 'domainSuffix must be a DNS name' })
    .describe("the DNS suffix of the tenant's hosts, matching the provisioning certificate"),
  provisioningCert: z
    .string()
    .min(1)
    .max(64 * 1024)
    .regex(/^[A-Za-z0-9+/=\s]+$/, { message: 'provisioningCert must be base64' })
    .describe('the ACM provisioning certificate (.pfx), base64'),
  provisioningCertPassword: z
    .string()
    .min(1)
    .max(64)
    .describe('the .pfx password (forwarded to RPS, never stored by the manager, never answered)'),
})

const expiry = {
  expiresAt: z.iso
    .datetime()
    .nullable()
    .describe("the provisioning certificate's notAfter (RPS's expirationDate); null when RPS has none"),
  expiryWarning: z
    .string()
    .nullable()
    .describe('set when the certificate expires within 30 days (or has expired): upload a renewed one'),
}

const DomainAnswer = z.object({
  name: z.string().describe('the RPS domain name (the tenant id)'),
  domainSuffix: z.string(),
  created: z.boolean(),
  expiresAt: z.iso.datetime().describe("the leaf certificate's notAfter"),
  expiryWarning: expiry.expiryWarning,
})

const ProvisioningAnswer = z.object({
  ciraConfig: z.string().nullable().describe('the CIRA config in RPS (`<tenant>`), null when missing'),
  profiles: z
    .array(z.string())
    .describe('tenant profiles present in RPS (`<tenant>_ccm`, `<tenant>_acm`; static policy)'),
  domain: z
    .object({ name: z.string(), domainSuffix: z.string(), ...expiry })
    .nullable()
    .describe('the ACM domain, null when none'),
  lastPreparation: z
    .object({ ok: z.boolean(), message: z.string(), at: z.iso.datetime() })
    .nullable()
    .describe('the outcome of the last preparation before an activation (this manager process), null before the first'),
})

const TAGS = ['amt']

export function tenantDmtRoutes(ctx: ApiContext): FastifyPluginCallbackZod {
  const { inventory } = ctx
  return (app, _options, done) => {
    app.put(
      '/tenants/:tenantId/amt/domain',
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'setTenantAmtDomain',
          summary:
            "set the tenant's ACM domain (provisioning certificate) in RPS after RPS's certificate checks (400 VALIDATION_FAILED with `details.problems`); the `<tenant>_acm` profile follows at the next activation",
          params: TenantParams,
          body: DomainBody,
          response: {
            200: jsonResponse(DomainAnswer, 'forwarded to RPS'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'BAD_REQUEST',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'DMT_NOT_CONFIGURED',
              'RPS_REJECTED',
              'RPS_UNAVAILABLE',
            ),
          },
        },
      },
      async (request, reply) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        const { record, created, notAfter, expiryWarning } = await viaDmt(ctx, (dmt) =>
          dmt.setTenantDomain(tenantId, request.body, actorOf(request)),
        )
        const expiresAt = notAfter.toISOString()
        request.log.info(
          { tenantId, domainSuffix: record.domainSuffix, created, expiresAt },
          'ACM domain forwarded to RPS',
        )
        return reply
          .header('cache-control', 'no-store')
          .send({ name: record.profileName, domainSuffix: record.domainSuffix, created, expiresAt, expiryWarning })
      },
    )

    app.delete(
      '/tenants/:tenantId/amt/domain',
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'removeTenantAmtDomain',
          summary: "remove the tenant's ACM domain and `<tenant>_acm` profile from RPS",
          params: TenantParams,
          response: {
            200: jsonResponse(z.object({ removed: z.boolean().describe('false: there was no domain') }), 'done'),
            ...errorResponses(
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'DMT_NOT_CONFIGURED',
              'RPS_REJECTED',
              'RPS_UNAVAILABLE',
            ),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        return { removed: await viaDmt(ctx, (dmt) => dmt.removeTenantDomain(tenantId, actorOf(request))) }
      },
    )

    app.get(
      '/tenants/:tenantId/amt/provisioning',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getTenantAmtProvisioning',
          summary: 'what RPS holds for the tenant (CIRA config, profiles, ACM domain) and the last preparation outcome',
          params: TenantParams,
          response: {
            200: jsonResponse(ProvisioningAnswer, "the tenant's RPS objects, read from RPS now"),
            ...errorResponses(
              'UNAUTHENTICATED',
              'TENANT_NOT_FOUND',
              'DMT_NOT_CONFIGURED',
              'RPS_REJECTED',
              'RPS_UNAVAILABLE',
            ),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        return viaDmt(ctx, (dmt) => dmt.provisioningOf(tenantId))
      },
    )
    done()
  }
}
