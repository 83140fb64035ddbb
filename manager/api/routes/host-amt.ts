import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { dnsSuffixOf } from '../../../schemas/dns-names.ts'
import { HostId } from '../../../schemas/ids.ts'
import type { DesiredRequest } from '../../core/flows/set-desired.ts'
import type { HostSelector } from '../../inventory/port.ts'
import { actorOf, hasRole, principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { filterOf, HostFilterBodyFields, HostParams, TenantParams } from '../params.ts'
import { HostView, hostView } from '../views.ts'

/** Desired AMT state: one host (PATCH) or many (bulk), through the domain's setDesired (Inventory, then MQTT). */

const MAX_BULK_HOSTS = 10_000

const desiredFields = {
  desiredAmtState: z
    .enum(['PROVISIONED', 'UNPROVISIONED'])
    .describe('PROVISIONED activates AMT, UNPROVISIONED deactivates it'),
  amtControlMode: z.enum(['CCM', 'ACM']).optional().describe('control mode to activate in; unchanged when absent'),
  amtDnsSuffix: dnsSuffixOf('amtDnsSuffix')
    .optional()
    .describe('DNS suffix for ACM, validated as MPS does; unchanged when absent'),
  localDeactivation: z
    .boolean()
    .optional()
    .describe(
      'admin only, with UNPROVISIONED: if RPS cannot deactivate (RPS or the password unavailable), the agent ' +
        'deactivates locally (rpc deactivate -local), leaving RPS/MPS records behind. Default false: only through RPS',
    ),
}

const DesiredBody = z
  .strictObject(desiredFields)
  .describe('Every accepted request is a new desired generation, also when nothing changed (the agent retries).')

const BulkBody = z
  .strictObject({
    ...desiredFields,
    hostIds: z.array(HostId).min(1).max(MAX_BULK_HOSTS).optional().describe('these hosts (every one must exist)'),
    filter: z
      .strictObject(HostFilterBodyFields)
      .optional()
      .describe('every host of the tenant matching all given fields; {} or absent: every host'),
  })
  .refine((body) => body.hostIds === undefined || body.filter === undefined, {
    message: 'give hostIds or filter, not both',
    path: ['filter'],
  })
  .describe(
    'Desired state for many hosts of a tenant, written in one transaction. Hosts being deleted are skipped by a filter.',
  )

export const BulkResult = z.object({
  count: z.int().min(0),
  hosts: z.array(z.object({ hostId: HostId, desiredState: z.string(), desiredGeneration: z.int().min(0) })),
})

const TAGS = ['amt']

function requestOf(body: z.infer<typeof DesiredBody>, principal: ReturnType<typeof principalOf>): DesiredRequest {
  if (body.localDeactivation === true && !hasRole(principal, 'admin')) {
    throw new ApiError('FORBIDDEN', 'only an admin may force a local deactivation')
  }
  return {
    state: body.desiredAmtState,
    ...(body.localDeactivation === true ? { localDeactivation: true } : {}),
    ...(body.amtControlMode === undefined ? {} : { controlMode: body.amtControlMode }),
    ...(body.amtDnsSuffix === undefined ? {} : { dnsSuffix: body.amtDnsSuffix }),
  }
}

export function hostAmtRoutes({ inventory, domain }: ApiContext): FastifyPluginCallbackZod {
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
        const { tenantId } = request.params
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
