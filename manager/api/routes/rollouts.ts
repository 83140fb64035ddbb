import type { FastifyRequest } from 'fastify'
import type { Principal } from '../tokens/api-token.ts'
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TenantId } from '../../../schemas/ids.ts'
import type { RolloutOperation } from '../../core/rollouts/rollout-service.ts'
import { MEMBER_STATUSES, type RolloutAction } from '../../rollouts/rollout.ts'
import { actorOf, principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { filterOf, TenantParams } from '../params.ts'
import { memberView, MemberView, RolloutControlsBody, rolloutView, RolloutView } from '../rollout-schemas.ts'
import { bulkTargetFields, desiredFields, requestOf, type HostFilterBody } from '../desired-body.ts'

/** Rollouts of a tenant (docs/rollouts.md): create, list, read with progress and members, and the operator's steps. */

const TAGS = ['rollouts']
const RolloutParams = z.object({ tenantId: TenantId, rolloutId: z.string().min(1).max(64) })
const { localDeactivation: _local, ...rolloutDesiredFields } = desiredFields

const CreateBody = z
  .strictObject({ ...rolloutDesiredFields, ...bulkTargetFields, controls: RolloutControlsBody })
  .refine((body) => body.hostIds === undefined || body.filter === undefined, {
    message: 'give hostIds or filter, not both',
    path: ['filter'],
  })
  .describe('A rollout: the target is resolved to its members now (host id order; explicit ids in their order)')

type CreateInput = {
  desiredAmtState: 'PROVISIONED' | 'UNPROVISIONED'
  amtControlMode?: 'CCM' | 'ACM' | undefined
  amtDnsSuffix?: string | undefined
  hostIds?: string[] | undefined
  filter?: HostFilterBody | undefined
  controls: z.infer<typeof RolloutControlsBody>
}

const rolloutsOf = (context: ApiContext) => {
  if (context.rollouts === undefined) throw new ApiError('INTERNAL', 'rollouts are not wired on this server')
  return context.rollouts
}

/** Creates the rollout of a request (this route and the bulk request's `rollout`); its view. */
export async function createRollout(
  context: ApiContext,
  caller: { tenantId: string; principal: Principal; actor: string },
  body: CreateInput,
) {
  const desired = requestOf({ desiredAmtState: body.desiredAmtState, ...pick(body) }, caller.principal)
  return createActionRollout(context, caller, body, desired)
}

/** Creates a rollout of any action for the target of a body (hostIds, or filter: {} or absent is every host). */
export async function createActionRollout(
  context: ApiContext,
  caller: { tenantId: string; actor: string },
  body: Pick<CreateInput, 'hostIds' | 'filter' | 'controls'>,
  action: RolloutAction,
) {
  const service = rolloutsOf(context)
  const rollout = await service.create({
    tenantId: caller.tenantId,
    target: body.hostIds === undefined ? { filter: filterOf(body.filter ?? {}) } : { hostIds: body.hostIds },
    action,
    controls: body.controls,
    createdBy: caller.actor,
  })
  return rolloutView(rollout, await service.progress(rollout))
}

const pick = (body: CreateInput) => ({
  ...(body.amtControlMode === undefined ? {} : { amtControlMode: body.amtControlMode }),
  ...(body.amtDnsSuffix === undefined ? {} : { amtDnsSuffix: body.amtDnsSuffix }),
})

/** The tenant of the route and who calls. */
export const callerOf = (request: FastifyRequest & { params: { tenantId: string } }) => ({
  tenantId: request.params.tenantId,
  principal: principalOf(request),
  actor: actorOf(request),
})

const OPERATIONS: Record<RolloutOperation, string> = {
  approve: 'approve the canary: awaiting-approval → running',
  pause: 'pause: no more starts (members in progress are still followed)',
  resume: 'resume a paused rollout where it stopped',
  cancel: 'cancel: no more starts, final (members in progress are still followed)',
}

const MemberQuery = z.strictObject({
  status: z.enum(MEMBER_STATUSES).optional().describe('only members with this status (pending: untouched)'),
  after: z.coerce.number().int().min(-1).optional().describe('only members after this position (paging)'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
})

export function rolloutRoutes(context: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    if (context.rollouts === undefined) return done()
    const service = context.rollouts
    const notFound = errorResponses(
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'TENANT_NOT_FOUND',
      'ROLLOUT_NOT_FOUND',
    )
    app.post(
      '/tenants/:tenantId/rollouts',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'createRollout',
          summary: 'create a rollout: a desired state for many hosts, started under controls',
          params: TenantParams,
          body: CreateBody,
          response: {
            201: jsonResponse(RolloutView, 'the rollout, its members pending'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'ROLLOUT_HOSTS_BUSY',
            ),
          },
        },
      },
      async (request, reply) => reply.code(201).send(await createRollout(context, callerOf(request), request.body)),
    )
    app.get(
      '/tenants/:tenantId/rollouts',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listRollouts',
          summary: "the tenant's rollouts, newest first, with their progress",
          params: TenantParams,
          response: {
            200: jsonResponse(z.object({ rollouts: z.array(RolloutView) }), 'the rollouts'),
            ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const rollouts = await service.list(request.params.tenantId)
        return {
          rollouts: await Promise.all(rollouts.map(async (r) => rolloutView(r, await service.progress(r)))),
        }
      },
    )
    app.get(
      '/tenants/:tenantId/rollouts/:rolloutId',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getRollout',
          summary: 'a rollout with its progress',
          params: RolloutParams,
          response: { 200: jsonResponse(RolloutView, 'the rollout'), ...notFound },
        },
      },
      async (request) => {
        const rollout = await service.get(request.params.tenantId, request.params.rolloutId)
        return rolloutView(rollout, await service.progress(rollout))
      },
    )
    app.get(
      '/tenants/:tenantId/rollouts/:rolloutId/hosts',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listRolloutHosts',
          summary: "a rollout's members in order, with their status (e.g. the untouched ones of an aborted rollout)",
          params: RolloutParams,
          querystring: MemberQuery,
          response: { 200: jsonResponse(z.object({ hosts: z.array(MemberView) }), 'the members'), ...notFound },
        },
      },
      async (request) => {
        const rollout = await service.get(request.params.tenantId, request.params.rolloutId)
        const { status, after, limit } = request.query
        const members = await service.members(rollout, {
          limit,
          ...(status === undefined ? {} : { statuses: [status] }),
          ...(after === undefined ? {} : { after }),
        })
        return { hosts: members.map(memberView) }
      },
    )
    for (const [operation, summary] of Object.entries(OPERATIONS) as [RolloutOperation, string][]) {
      app.post(
        `/tenants/:tenantId/rollouts/:rolloutId/${operation}`,
        {
          config: { access: 'write' },
          schema: {
            tags: TAGS,
            operationId: `${operation}Rollout`,
            summary,
            params: RolloutParams,
            response: {
              200: jsonResponse(RolloutView, 'the rollout in its new state'),
              ...errorResponses(
                'UNAUTHENTICATED',
                'FORBIDDEN',
                'TENANT_NOT_FOUND',
                'ROLLOUT_NOT_FOUND',
                'ROLLOUT_STATE_CONFLICT',
              ),
            },
          },
        },
        async (request) => {
          const { tenantId, rolloutId } = request.params
          const rollout = await service.apply(tenantId, rolloutId, operation, actorOf(request))
          return rolloutView(rollout, await service.progress(rollout))
        },
      )
    }
    done()
  }
}
