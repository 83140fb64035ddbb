import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { dnsSuffixOf } from '../../../schemas/dns-names.ts'
import { AmtControlMode } from '../../../schemas/enums.ts'
import { HostId, TenantId } from '../../../schemas/ids.ts'
import { isPlaceholderId, placeholderIdReason } from '../../../schemas/placeholder-ids.ts'
import { actorOf, assertTenantVisible, hasRole, principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { Deleted, HostPage, Registered } from '../host-answers.ts'
import { LabelsSchema } from '../policy-views.ts'
import { filterOf, HostListQuery, HostParams, TenantParams } from '../params.ts'
import type { HostPage as InventoryPage, HostPageRequest } from '../../inventory/port.ts'
import { registerHost } from '../register-host.ts'
import { isGlobal } from '../tokens/api-token.ts'
import { HostView, hostView } from '../views.ts'

/** A hostId that is a firmware placeholder UUID (schemas/placeholder-ids.ts) is refused: many machines share it. */
const RegistrableHostId = HostId.superRefine((hostId, refinement) => {
  if (isPlaceholderId(hostId)) refinement.addIssue({ code: 'custom', message: placeholderIdReason(hostId) })
})

const RegisterBody = z.strictObject({
  hostId: RegistrableHostId,
  name: z.string().min(1).max(128).optional().describe('default: the hostId'),
  controlMode: AmtControlMode.exclude(['UNSPECIFIED'])
    .optional()
    .describe('AMT control mode to activate in; default CCM'),
  dnsSuffix: dnsSuffixOf('dnsSuffix')
    .optional()
    .describe('DNS suffix for ACM, validated as MPS does (a DNS name; no TLD needed; empty allowed)'),
  labels: LabelsSchema.optional().describe(
    'labels stored with the host (the rules of PATCH …/labels); its groups, so its policy, apply at its first report',
  ),
})

const AllHostsQuery = HostListQuery.extend({ tenantId: TenantId.optional().describe('only this tenant') })
const DeleteQuery = z.object({
  force: z.stringbool().optional().describe('admin only: delete at once, without waiting for AMT deactivation'),
})

const TAGS = ['hosts']

/** Hosts: register, list, get, delete. */
export function hostRoutes(ctx: ApiContext): FastifyPluginCallbackZod {
  const { inventory, domain } = ctx
  return (app, _options, done) => {
    app.post(
      '/tenants/:tenantId/hosts',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'registerHost',
          summary: 'register a host and create its device MQTT credential (the password is returned once)',
          params: TenantParams,
          body: RegisterBody,
          response: {
            201: jsonResponse(Registered, 'registered; the MQTT password is in this answer only'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_EXISTS',
              'BROKER_UNAVAILABLE',
            ),
          },
        },
      },
      async (request, reply) => {
        const { tenantId } = request.params
        const accounts = ctx.brokerAccounts === undefined ? {} : { brokerAccounts: ctx.brokerAccounts }
        const deps = { inventory, log: request.log, hosts: domain, ...accounts }
        const { host, credential } = await registerHost(deps, { ...request.body, tenantId }, actorOf(request))
        const mqtt = { ...credential, ...(ctx.deviceBrokerUrl === undefined ? {} : { url: ctx.deviceBrokerUrl }) }
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ host: hostView(host), mqtt })
      },
    )

    app.get(
      '/tenants/:tenantId/hosts',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listTenantHosts',
          summary: "a page of the tenant's hosts matching the filters, sorted (default: by hostId), with their total",
          params: TenantParams,
          querystring: HostListQuery,
          response: {
            200: jsonResponse(HostPage, 'a page of hosts'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { tenantId } = request.params
        await inventory.getTenant(tenantId)
        return pageAnswer(await inventory.listHosts({ ...pageRequestOf(request.query), tenantId }))
      },
    )

    app.get(
      '/hosts',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listHosts',
          summary: 'a page of the hosts of every tenant the token can see, sorted (default: by (tenantId, hostId))',
          querystring: AllHostsQuery,
          response: {
            200: jsonResponse(HostPage, 'a page of hosts'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request)
        if (request.query.tenantId !== undefined) assertTenantVisible(principal, request.query.tenantId)
        const tenantId = isGlobal(principal) ? request.query.tenantId : principal.tenant
        return pageAnswer(await inventory.listHosts({ ...pageRequestOf(request.query), tenantId }))
      },
    )

    app.get(
      '/tenants/:tenantId/hosts/:hostId',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getHost',
          params: HostParams,
          response: {
            200: jsonResponse(HostView, 'the host'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND', 'HOST_NOT_FOUND'),
          },
        },
      },
      async (request) => hostView(await inventory.getHost(request.params)),
    )

    app.delete(
      '/tenants/:tenantId/hosts/:hostId',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'deleteHost',
          summary: 'delete a host: at once when AMT is known off, else after the agent deactivated AMT (202)',
          params: HostParams,
          querystring: DeleteQuery,
          response: {
            200: jsonResponse(Deleted, 'deleted'),
            202: jsonResponse(Deleted, 'deletion pending: deactivation requested'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
            ),
          },
        },
      },
      async (request, reply) => {
        const force = request.query.force === true
        if (force && !hasRole(principalOf(request), 'admin'))
          throw new ApiError('FORBIDDEN', 'only an admin may force a deletion')
        const { tenantId, hostId } = request.params
        const outcome = await domain.requestDeletion({ tenantId, hostId }, actorOf(request), { force })
        return reply.code(outcome === 'deleted' ? 200 : 202).send({ outcome })
      },
    )
    done()
  }
}

/** The Inventory request of a list query: its filters, sort and page, with the total. */
const pageRequestOf = (query: HostListQuery): HostPageRequest => ({
  ...filterOf(query),
  sort: query.sort,
  limit: query.limit,
  cursor: query.cursor,
  withTotal: true,
})

const pageAnswer = (page: InventoryPage) => ({
  hosts: page.hosts.map(hostView),
  nextCursor: page.nextCursor,
  total: page.total ?? 0,
})
