import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { differsFromTarget, effectivePolicy } from '../../core/effective-policy.ts'
import { VersionConflictError } from '../../inventory/errors.ts'
import { editedLabels, type Host, type HostPatch, type JsonValue } from '../../inventory/port.ts'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { HostParams } from '../params.ts'
import { EffectivePolicyView, effectivePolicyView, LabelEdit, OverrideBody } from '../policy-views.ts'
import { HostView, hostView } from '../views.ts'

const TAGS = ['policy']
const WRITE_ERRORS = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'TENANT_NOT_FOUND',
  'HOST_NOT_FOUND',
  'HOST_CHANGED',
] as const

/** A host's labels, its policy override and its effective policy (docs/policy.md). */
export function hostPolicyRoutes({ inventory, domain, acmCertificates }: ApiContext): FastifyPluginCallbackZod {
  /** Writes `patchOf(host)` through the core's write path, audited as `kind`; `version`: only that version. */
  const edit = async (
    key: { tenantId: string; hostId: string },
    version: number | undefined,
    patchOf: (host: Host) => HostPatch,
    audit: { kind: string; actor: string; detail: JsonValue },
  ) => {
    const stored = await domain.editHost(
      key,
      (host) => {
        if (version !== undefined && host.version !== version)
          throw new VersionConflictError({ ...key, expectedVersion: version, actualVersion: host.version })
        return patchOf(host)
      },
      { audit: (hosts) => hosts.map((host) => ({ tenantId: host.tenantId, hostId: host.hostId, ...audit })) },
    )
    if (stored === null) throw new ApiError('HOST_NOT_FOUND')
    return hostView(stored)
  }

  return (app, _options, done) => {
    app.patch(
      '/tenants/:tenantId/hosts/:hostId/labels',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'editHostLabels',
          summary: 'set and remove labels of a host (the others stay); groups select hosts by them',
          params: HostParams,
          body: LabelEdit,
          response: { 200: jsonResponse(HostView, 'the host as stored'), ...errorResponses(...WRITE_ERRORS) },
        },
      },
      async (request) => {
        const { set = {}, remove = [], version } = request.body
        const actor = actorOf(request)
        return edit(request.params, version, (host) => ({ labels: editedLabels(host.labels, set, remove) }), {
          kind: 'host.labels',
          actor,
          detail: { set, remove },
        })
      },
    )

    app.put(
      '/tenants/:tenantId/hosts/:hostId/policy-override',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'setHostPolicyOverride',
          summary: "set (or clear with null) the host's own AMT policy, which wins over its groups'",
          params: HostParams,
          body: OverrideBody,
          response: { 200: jsonResponse(HostView, 'the host as stored'), ...errorResponses(...WRITE_ERRORS) },
        },
      },
      async (request) => {
        const { policy, version } = request.body
        return edit(request.params, version, () => ({ policyOverride: policy }), {
          kind: 'host.policy-override',
          actor: actorOf(request),
          detail: { policy },
        })
      },
    )

    app.get(
      '/tenants/:tenantId/hosts/:hostId/policy',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getHostPolicy',
          summary: "the host's effective AMT policy: which, where from (override, group, none), the desired it implies",
          params: HostParams,
          response: {
            200: jsonResponse(EffectivePolicyView, 'the effective policy'),
            ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'TENANT_NOT_FOUND', 'HOST_NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const host = await inventory.getHost(request.params)
        const groups = await inventory.listGroups(host.tenantId)
        const effective = effectivePolicy(host, groups, (await acmCertificates?.(host.tenantId)) ?? [], new Date())
        return effectivePolicyView(request.params, effective, differsFromTarget(host, effective.target))
      },
    )
    done()
  }
}
