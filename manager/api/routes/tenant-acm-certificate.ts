import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { factsOfStored } from '../../core/acm-certificates.ts'
import { removeAcmCertificate, storeAcmCertificate } from '../../dmt/acm-certificate-store.ts'
import { expiryWarningOf } from '../../dmt/provisioning-certificate.ts'
import { factsOfPem } from '../../dmt/provisioning-certificate-facts.ts'
import type { StoredAcmCertificate } from '../../inventory/acm-certificate.ts'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { TenantParams } from '../params.ts'

/**
 * A tenant's ACM provisioning certificate for ACM eligibility (docs/policy.md "ACM eligibility"), set without a
 * restart: the public PEM chain (never a private key); stored as facts in Inventory, read by every replica.
 */

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/

const CertificateBody = z.strictObject({
  chain: z
    .string()
    .min(1)
    .max(64 * 1024)
    .describe('PEM: the leaf and its chain up to the root — public certificates only, never the private key'),
  domainSuffix: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9.-]+$/, { message: 'domainSuffix must be a DNS name' })
    .optional()
    .describe("the DNS suffix it is for (the RPS domain's); default: the leaf's CN without its first label"),
})

const isoTime = z.iso.datetime()

export const StoredCertificateView = z
  .object({
    source: z
      .enum(['config', 'api', 'rps-domain'])
      .describe('config: the config file (read-only); api: PUT here; rps-domain: the PFX of PUT …/amt/domain'),
    commonName: z.string().describe("the leaf's subject CN"),
    domainSuffix: z.string(),
    rootSha256: z.string().nullable().describe("the root's SHA-256 as AMT stores it; null: the chain has no root"),
    notAfter: isoTime,
    expiryWarning: z.string().nullable().describe('set when it expires within 30 days (or has expired)'),
    updatedAt: isoTime.nullable().describe('when it was stored (null for the config file)'),
    actor: z.string().nullable(),
  })
  .meta({ id: 'AcmProvisioningCertificate', description: "A tenant's ACM provisioning certificate (public facts)" })
type StoredCertificateView = z.infer<typeof StoredCertificateView>

export const CertificatesAnswer = z.object({
  certificates: z
    .array(StoredCertificateView)
    .describe('every certificate ACM eligibility uses for the tenant: the config file first, then the stored ones'),
})

export const RemovedAnswer = z.object({ removed: z.boolean().describe('false: none was set') })

const TAGS = ['amt']

const viewOf = (stored: StoredAcmCertificate): StoredCertificateView => ({
  source: stored.source,
  commonName: stored.commonName,
  domainSuffix: stored.domainSuffix,
  rootSha256: stored.root?.sha256 ?? null,
  notAfter: stored.notAfter,
  expiryWarning: expiryWarningOf(new Date(stored.notAfter)),
  updatedAt: stored.updatedAt,
  actor: stored.actor,
})

export function tenantAcmCertificateRoutes(ctx: ApiContext): FastifyPluginCallbackZod {
  const { inventory } = ctx
  const path = '/tenants/:tenantId/acm/provisioning-certificate'
  return (app, _options, done) => {
    app.put(
      path,
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'setTenantAcmCertificate',
          summary:
            "set the tenant's ACM provisioning certificate chain (public PEM, no private key) for ACM eligibility; no restart",
          params: TenantParams,
          body: CertificateBody,
          response: {
            200: jsonResponse(StoredCertificateView, 'stored (its public facts)'),
            ...errorResponses('VALIDATION_FAILED', 'BAD_REQUEST', 'UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        const { chain, domainSuffix } = request.body
        if (PRIVATE_KEY.test(chain)) {
          throw new ApiError(
            'BAD_REQUEST',
            'the chain holds a private key: send the public certificates only (the leaf and its chain up to the ' +
              'root); the key belongs in the PFX given to RPS (PUT …/amt/domain), never here',
          )
        }
        let facts
        try {
          facts = factsOfPem(chain, domainSuffix)
        } catch {
          throw new ApiError('BAD_REQUEST', 'the chain holds a PEM certificate that cannot be read')
        }
        if (facts === null) throw new ApiError('BAD_REQUEST', 'the chain holds no PEM certificate')
        await inventory.getTenant(tenantId)
        const stored = await storeAcmCertificate(inventory, { tenantId, source: 'api', facts, actor: actorOf(request) })
        return viewOf(stored)
      },
    )

    app.get(
      path,
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getTenantAcmCertificates',
          summary: "the tenant's ACM provisioning certificates as ACM eligibility uses them (config file and stored)",
          params: TenantParams,
          response: {
            200: jsonResponse(CertificatesAnswer, 'public facts only'),
            ...errorResponses('UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        const stored = await inventory.listAcmCertificates(tenantId)
        const all = (await ctx.acmCertificates?.(tenantId)) ?? stored.map(factsOfStored)
        const fromConfig = all.slice(0, all.length - stored.length).map((facts) => ({
          source: 'config' as const,
          commonName: facts.commonName,
          domainSuffix: facts.domainSuffix,
          rootSha256: facts.root?.sha256 ?? null,
          notAfter: facts.notAfter.toISOString(),
          expiryWarning: expiryWarningOf(facts.notAfter),
          updatedAt: null,
          actor: null,
        }))
        return { certificates: [...fromConfig, ...stored.map(viewOf)] }
      },
    )

    app.delete(
      path,
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'removeTenantAcmCertificate',
          summary:
            "remove the certificate set through this API (not the config file's, nor the RPS domain's: DELETE …/amt/domain)",
          params: TenantParams,
          response: {
            200: jsonResponse(RemovedAnswer, 'done'),
            ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        return {
          removed: await removeAcmCertificate(inventory, { tenantId, source: 'api', actor: actorOf(request) }),
        }
      },
    )
    done()
  }
}
