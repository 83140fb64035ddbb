import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { listPolicyDrift } from '../../core/policy-drift.ts'
import type { HostGroup, JsonValue } from '../../inventory/port.ts'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { errorResponses, jsonResponse } from '../errors.ts'
import { Limit, TenantParams } from '../params.ts'
import { DriftPage, driftPage, GroupBody, GroupParams, GroupView, groupView } from '../policy-views.ts'

const TAGS = ['policy']
const READ_ERRORS = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND', 'GROUP_NOT_FOUND'] as const

/**
 * Host groups with their AMT policy (docs/policy.md). A change of a group is audited in its transaction and applies
 * to NEW policy facts at once (a node's first report, a changed one); the hosts it would change now are its drift,
 * which a rollout applies — never the write itself.
 */
export function groupRoutes({ inventory, acmCertificates }: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants/:tenantId/groups',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listGroups',
          summary: "the tenant's host groups, in the order they decide (priority, then name)",
          params: TenantParams,
          response: {
            200: jsonResponse(z.object({ groups: z.array(GroupView) }), 'the groups'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        await inventory.getTenant(request.params.tenantId)
        return { groups: (await inventory.listGroups(request.params.tenantId)).map(groupView) }
      },
    )

    app.get(
      '/tenants/:tenantId/groups/:name',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getGroup',
          params: GroupParams,
          response: { 200: jsonResponse(GroupView, 'the group'), ...errorResponses(...READ_ERRORS) },
        },
      },
      async (request) => groupView(await inventory.getGroup(request.params.tenantId, request.params.name)),
    )

    app.put(
      '/tenants/:tenantId/groups/:name',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'putGroup',
          summary: 'create or replace a group (with `version`: only that version); the hosts it would change: …/drift',
          params: GroupParams,
          body: GroupBody,
          response: {
            200: jsonResponse(GroupView, 'the group as stored'),
            ...errorResponses(...READ_ERRORS, 'FORBIDDEN', 'GROUP_CHANGED'),
          },
        },
      },
      async (request) => {
        const { tenantId, name } = request.params
        const { version, ...body } = request.body
        const actor = actorOf(request)
        const audit = ({ selector, priority, policy, version: stored }: HostGroup) => [
          {
            tenantId,
            kind: 'group.set',
            actor,
            // Plain JSON values (validated shapes of strings and numbers).
            detail: { group: name, version: stored, selector, priority, policy } as unknown as JsonValue,
          },
        ]
        const expected = version === undefined ? {} : { expectedVersion: version }
        return groupView(await inventory.putGroup({ tenantId, name, ...body }, { ...expected, audit }))
      },
    )

    app.delete(
      '/tenants/:tenantId/groups/:name',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'deleteGroup',
          summary: "delete a group: its hosts keep their desired state (another group's or no policy applies next)",
          params: GroupParams,
          response: {
            200: jsonResponse(z.object({ deleted: z.literal(true) }), 'deleted'),
            ...errorResponses(...READ_ERRORS, 'FORBIDDEN'),
          },
        },
      },
      async (request) => {
        const { tenantId, name } = request.params
        const actor = actorOf(request)
        await inventory.deleteGroup(tenantId, name, {
          audit: (group) => [
            { tenantId, kind: 'group.deleted', actor, detail: { group: name, version: group.version } },
          ],
        })
        return { deleted: true as const }
      },
    )

    app.get(
      '/tenants/:tenantId/groups/:name/drift',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getGroupDrift',
          summary: "the group's hosts whose desired differs from its policy: their count and the first page",
          params: GroupParams,
          querystring: z.strictObject({ limit: Limit }),
          response: { 200: jsonResponse(DriftPage, 'the drift'), ...errorResponses(...READ_ERRORS) },
        },
      },
      async (request) => {
        const { tenantId, name } = request.params
        await inventory.getGroup(tenantId, name)
        const certificates = (await acmCertificates?.(tenantId)) ?? []
        const drifted = await listPolicyDrift({ inventory, certificates, now: new Date() }, tenantId, { group: name })
        return driftPage(drifted, request.query.limit)
      },
    )
    done()
  }
}
