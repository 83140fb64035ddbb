import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { TenantParams } from '../params.ts'
import { RolloutControlsBody, RolloutView } from '../rollout-schemas.ts'
import { bulkTargetFields } from '../desired-body.ts'
import { callerOf, createActionRollout } from './rollouts.ts'

/**
 * AMT password rotation of many hosts (docs/credentials.md "Rotation of many hosts"): always a rollout, whose members
 * are rotated one by one as `POST …/hosts/{h}/amt/rotate-password` does (docs/rollouts.md "Rotating passwords").
 */

const RotateBody = z
  .strictObject({ ...bulkTargetFields, controls: RolloutControlsBody })
  .refine((body) => body.hostIds === undefined || body.filter === undefined, {
    message: 'give hostIds or filter, not both',
    path: ['filter'],
  })
  .describe('The hosts to rotate (resolved to the rollout members now) and the rollout controls')

export function rotationRolloutRoutes(context: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    if (context.rollouts === undefined) return done()
    app.post(
      '/tenants/:tenantId/amt/rotate-password',
      {
        config: { access: 'write' },
        schema: {
          tags: ['rollouts'],
          operationId: 'rotateTenantPasswords',
          summary: 'rotate the AMT password of many hosts: a rollout (rpc v3 agents; docs/credentials.md "Rotation")',
          description:
            'Creates a rollout with the action rotate-password: each member is rotated as POST …/hosts/{hostId}/amt/' +
            'rotate-password does, under the controls. A member succeeds when its rotation is confirmed, fails when ' +
            'it failed (the rpc error name) or was refused (the error code); rpc v2 hosts are not supported.',
          params: TenantParams,
          body: RotateBody,
          response: {
            202: jsonResponse(RolloutView, 'the rollout created (its members pending)'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'ROLLOUT_HOSTS_BUSY',
              'ROTATION_MPS_COPY_UNCONFIGURED',
            ),
          },
        },
      },
      async (request, reply) => {
        const action = { kind: 'rotate-password' } as const
        const created = await createActionRollout(context, callerOf(request), request.body, action)
        return reply.code(202).send(created)
      },
    )
    done()
  }
}
