import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { HostId } from '../../../schemas/ids.ts'
import { listPolicyDrift, type DriftQuery } from '../../core/policy-drift.ts'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { TenantParams } from '../params.ts'
import { GroupParams } from '../policy-views.ts'
import { RolloutControlsBody, rolloutView, RolloutView } from '../rollout-schemas.ts'

/**
 * A policy applied as rollouts (docs/policy.md "Applying a policy", docs/rollouts.md): the hosts in drift (of a group,
 * or of the whole tenant) become the members of one rollout per action their effective policy implies, under the
 * controls given. Hosts already in a rollout under way are skipped with that rollout's id.
 */

const TAGS = ['policy', 'rollouts']
const ApplyBody = z.strictObject({ controls: RolloutControlsBody })
export const ApplyView = z
  .object({
    rollouts: z.array(RolloutView).describe('one per action (deactivate, CCM, ACM with a DNS suffix); none: no drift'),
    skipped: z
      .array(z.object({ hostId: HostId, rolloutId: z.string() }))
      .describe('drifted hosts left out: members of the rollout under way named'),
  })
  .meta({ id: 'PolicyApply', description: 'The rollouts an apply created and the hosts it left out' })

export function policyRolloutRoutes(context: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    const { rollouts: service, inventory, acmCertificates } = context
    if (service === undefined) return done()
    const apply = async (
      tenantId: string,
      query: DriftQuery,
      controls: z.infer<typeof RolloutControlsBody>,
      actor: string,
    ) => {
      const certificates = (await acmCertificates?.(tenantId)) ?? []
      const drifted = await listPolicyDrift({ inventory, certificates, now: new Date() }, tenantId, query)
      const result = await service.applyPolicy({ tenantId, drifted, controls, createdBy: actor })
      const rollouts = await Promise.all(result.rollouts.map(async (r) => rolloutView(r, await service.progress(r))))
      return { rollouts, skipped: result.skipped }
    }
    const errors = [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'TENANT_NOT_FOUND',
      'ROLLOUT_HOSTS_BUSY',
    ] as const
    app.post(
      '/tenants/:tenantId/groups/:name/rollout',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'applyGroupPolicy',
          summary: "apply the group's policy: its hosts in drift become rollouts, one per action",
          params: GroupParams,
          body: ApplyBody,
          response: {
            200: jsonResponse(ApplyView, 'the rollouts created (each with its members pending) and the hosts skipped'),
            ...errorResponses(...errors, 'GROUP_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId, name } = request.params
        await inventory.getGroup(tenantId, name)
        return apply(tenantId, { group: name }, request.body.controls, actorOf(request))
      },
    )
    app.post(
      '/tenants/:tenantId/policy/rollout',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'applyTenantPolicy',
          summary: "apply every host's effective policy: the tenant's hosts in drift become rollouts, one per action",
          params: TenantParams,
          body: ApplyBody,
          response: {
            200: jsonResponse(ApplyView, 'the rollouts created (each with its members pending) and the hosts skipped'),
            ...errorResponses(...errors),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        return apply(tenantId, {}, request.body.controls, actorOf(request))
      },
    )
    done()
  }
}
