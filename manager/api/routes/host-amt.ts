import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { HostId } from '../../../schemas/ids.ts'
import type { HostSelector } from '../../inventory/port.ts'
import { actorOf, principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { filterOf, HostParams, TenantParams } from '../params.ts'
import { HostView, hostView } from '../views.ts'
import { RolloutControlsBody, RolloutView } from '../rollout-schemas.ts'
import { callerOf, createRollout } from './rollouts.ts'
import { bulkTargetFields, desiredFields, requestOf } from '../desired-body.ts'

/** Desired AMT state: one host (PATCH) or many (bulk), through the domain's setDesired (Inventory, then MQTT). */

const DesiredBody = z
  .strictObject(desiredFields)
  .describe('Every accepted request is a new desired generation, also when nothing changed (the agent retries).')

const BulkBody = z
  .strictObject({
    ...desiredFields,
    ...bulkTargetFields,
    rollout: RolloutControlsBody.optional().describe(
      'with controls: the request becomes a rollout (answered 202 with it) instead of one write to every host',
    ),
  })
  .refine((body) => body.hostIds === undefined || body.filter === undefined, {
    message: 'give hostIds or filter, not both',
    path: ['filter'],
  })
  .describe(
    'Desired state for many hosts of a tenant, written in one transaction (hosts being deleted are skipped by a ' +
      'filter); with `rollout`, a rollout of the same change under those controls (docs/rollouts.md).',
  )

export const BulkResult = z.object({
  count: z.int().min(0),
  hosts: z.array(z.object({ hostId: HostId, desiredState: z.string(), desiredGeneration: z.int().min(0) })),
})

const TAGS = ['amt']

const RotationAccepted = z.object({
  rotationId: z.uuid().describe('the rotation id: the host view`s `rotation.id`, the agent events'),
  host: HostView,
})

export function hostAmtRoutes(context: ApiContext): FastifyPluginCallbackZod {
  const { inventory, domain } = context
  return (app, _options, done) => {
    app.patch(
      '/tenants/:tenantId/hosts/:hostId/amt',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'setHostAmt',
          summary: "set a host's desired AMT state (and control mode / DNS suffix)",
          params: HostParams,
          body: DesiredBody,
          response: {
            200: jsonResponse(HostView, 'the host as stored, with its new desired generation'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
              'HOST_DELETING',
              'PREPARATION_FAILED',
            ),
          },
        },
      },
      async (request) => {
        const { tenantId, hostId } = request.params
        const [host] = await domain.setDesired(
          { keys: [{ tenantId, hostId }] },
          requestOf(request.body, principalOf(request)),
          actorOf(request),
        )
        return hostView(host ?? (await inventory.getHost({ tenantId, hostId })))
      },
    )

    app.post(
      '/tenants/:tenantId/hosts/:hostId/amt/rotate-password',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'rotateHostPassword',
          summary: 'rotate a host\'s AMT password (rpc v3 agents; docs/credentials.md "Rotation")',
          description:
            "The new password is stored as the host's newest version first, the rotation recorded as pending with a " +
            'new desired generation carrying its id; the agent changes the password and reports. Follow `rotation` on ' +
            'the host: confirmed (the new password is current), failed (the previous one is current again).',
          params: HostParams,
          response: {
            202: jsonResponse(RotationAccepted, 'the rotation asked for (pending)'),
            ...errorResponses(
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
              'HOST_DELETING',
              'ROTATION_UNSUPPORTED',
              'ROTATION_MPS_COPY_UNCONFIGURED',
              'ROTATION_NOT_POSSIBLE',
              'SECRET_STORE_UNAVAILABLE',
            ),
          },
        },
      },
      async (request, reply) => {
        const { tenantId, hostId } = request.params
        const { host, rotation } = await domain.rotatePassword({ tenantId, hostId }, actorOf(request))
        return reply.code(202).send({ rotationId: rotation.id, host: hostView(host) })
      },
    )

    app.post(
      '/tenants/:tenantId/amt/bulk',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'setTenantAmt',
          summary: 'set the desired AMT state of many hosts of a tenant (a list, a filter, or all)',
          params: TenantParams,
          body: BulkBody,
          response: {
            200: jsonResponse(BulkResult, 'the hosts written (one new desired generation each)'),
            202: jsonResponse(RolloutView, 'with `rollout`: the rollout created (its members pending)'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
              'HOST_DELETING',
              'PREPARATION_FAILED',
            ),
          },
        },
      },
      async (request, reply) => {
        const { tenantId } = request.params
        if (request.body.rollout !== undefined) {
          const created = await createRollout(context, callerOf(request), {
            ...request.body,
            controls: request.body.rollout,
          })
          return reply.code(202).send(created)
        }
        await inventory.getTenant(tenantId)
        const { hostIds, filter } = request.body
        const selector: HostSelector =
          hostIds === undefined
            ? { filter: { ...filterOf(filter ?? {}), tenantId, deletion: 'none' } }
            : { keys: hostIds.map((hostId) => ({ tenantId, hostId })) }
        const hosts = await domain.setDesired(selector, requestOf(request.body, principalOf(request)), actorOf(request))
        return {
          count: hosts.length,
          hosts: hosts.map(({ hostId, desiredState, desiredGeneration }) => ({
            hostId,
            desiredState,
            desiredGeneration,
          })),
        }
      },
    )
    done()
  }
}
