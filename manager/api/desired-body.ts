import { z } from 'zod'
import { dnsSuffixOf } from '../../schemas/dns-names.ts'
import { HostId } from '../../schemas/ids.ts'
import type { DesiredRequest } from '../core/flows/set-desired.ts'
import { hasRole, type principalOf } from './auth.ts'
import { ApiError } from './errors.ts'
import { HostFilterBodyFields, LabelConditions } from './params.ts'

/** The desired-state fields of a request body (one host, bulk, rollout) and the request they make. */

const MAX_BULK_HOSTS = 10_000

export const desiredFields = {
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

/** The desired fields of a body, as parsed. */
export type DesiredFields = {
  desiredAmtState: 'PROVISIONED' | 'UNPROVISIONED'
  amtControlMode?: 'CCM' | 'ACM' | undefined
  amtDnsSuffix?: string | undefined
  localDeactivation?: boolean | undefined
}

/** A host filter in a body: the host list's filters, `label` as its `?label=` (`["site=berlin", "rack"]`). */
const HostFilterBody = z.strictObject({ ...HostFilterBodyFields, label: LabelConditions })
export type HostFilterBody = z.output<typeof HostFilterBody>

/** The hosts of a bulk request or a rollout: a list, or every host of the tenant matching a filter. */
export const bulkTargetFields = {
  hostIds: z.array(HostId).min(1).max(MAX_BULK_HOSTS).optional().describe('these hosts (every one must exist)'),
  filter: HostFilterBody.optional().describe(
    'every host of the tenant matching all given fields; {} or absent: every host',
  ),
}

export function requestOf(body: DesiredFields, principal: ReturnType<typeof principalOf>): DesiredRequest {
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
