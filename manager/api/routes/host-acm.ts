import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ACM_INELIGIBLE_REASONS, acmEligibility } from '../../core/acm-eligibility.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { HostParams } from '../params.ts'

/** ACM eligibility of one host with its reason (docs/policy.md "ACM eligibility"). */
export const AcmEligibilityView = z
  .object({
    eligible: z.boolean(),
    via: z
      .object({
        suffix: z.string().describe('the DNS suffix matched'),
        suffixSource: z.enum(['amt', 'os']).describe("amt: AMT's own suffix (MEBx, DHCP option 15); os: the OS's"),
        certificate: z.string().describe("the provisioning certificate's CN"),
        expiresAt: z.iso.datetime(),
      })
      .optional()
      .describe('when eligible: the suffix and certificate that make it so'),
    warning: z
      .object({ code: z.literal('CERTIFICATE_EXPIRES_SOON'), message: z.string() })
      .optional()
      .describe('eligible, but the certificate expires within 30 days'),
    reason: z.enum(ACM_INELIGIBLE_REASONS).optional().describe('when not eligible: why (a stable code)'),
    message: z.string().optional().describe('when not eligible: the reason in words'),
  })
  .meta({ id: 'AcmEligibility', description: 'Whether a host can be activated in ACM, and why (not)' })
export type AcmEligibilityView = z.infer<typeof AcmEligibilityView>

export function hostAcmRoutes({ inventory, acmCertificates }: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants/:tenantId/hosts/:hostId/acm-eligibility',
      {
        config: { access: 'read' },
        schema: {
          tags: ['amt'],
          operationId: 'getHostAcmEligibility',
          summary:
            "whether the host can be activated in ACM with the tenant's provisioning certificates (config `acm`), with the reason",
          params: HostParams,
          response: {
            200: jsonResponse(AcmEligibilityView, 'eligible (and how), or not eligible with the reason'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND', 'HOST_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const host = await inventory.getHost(request.params)
        return acmEligibility(host.capability, (await acmCertificates?.(host.tenantId)) ?? [], new Date())
      },
    )
    done()
  }
}
