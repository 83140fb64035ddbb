import { z } from 'zod'
import { AgentPhase, AmtControlMode, AmtSku, AmtState, StatusIndication } from '../../schemas/enums.ts'
import { HostId, TenantId } from '../../schemas/ids.ts'
import {
  HOST_CAPABILITIES,
  HOST_CONDITIONS,
  HOST_SORT_KEYS,
  parseLabelCondition,
  type HostFilter,
  type LabelCondition,
} from '../inventory/port.ts'

/** Path and query schemas shared by several routes. */

export const TenantParams = z.object({ tenantId: TenantId })
export const HostParams = z.object({ tenantId: TenantId, hostId: HostId })

const API_DEFAULT_PAGE_SIZE = 100
export const API_MAX_PAGE_SIZE = 1000

export const Limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(API_MAX_PAGE_SIZE)
  .default(API_DEFAULT_PAGE_SIZE)
  .describe(`page size, 1-${API_MAX_PAGE_SIZE}, default ${API_DEFAULT_PAGE_SIZE}`)

/** Filters on hosts, combined with AND; `online` is a boolean in a body, `true`/`false` in a query string. */
function hostFilterFields<Online extends z.ZodType<boolean | undefined>>(online: Online) {
  return {
    desiredState: AmtState.optional().describe('only hosts with this desired AMT state'),
    currentState: AmtState.optional().describe('only hosts with this current AMT state'),
    statusIndicator: StatusIndication.optional().describe('only hosts with this status indicator'),
    sku: AmtSku.optional().describe('only hosts with this AMT SKU'),
    controlMode: AmtControlMode.optional().describe('only hosts with this (desired) control mode'),
    online: online.describe('only hosts online (true) or offline (false)'),
    phase: AgentPhase.optional().describe("only hosts whose agent's last reported phase is this"),
    capability: z
      .enum(HOST_CAPABILITIES)
      .optional()
      .describe('AMT / ISM by the SKU; NONE: reported not capable; UNKNOWN: no capability report yet'),
    condition: z
      .enum(HOST_CONDITIONS)
      .optional()
      .describe("only hosts in this condition (the host's one-word AMT state, docs/api.md)"),
    search: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('only hosts whose hostId or name contains this text (ignoring the case of ASCII letters)'),
  }
}

const HostFilterFields = hostFilterFields(z.stringbool().optional())
export const HostFilterBodyFields = hostFilterFields(z.boolean().optional())
type ApiFilterKey = keyof typeof HostFilterFields & keyof HostFilter
const FILTER_KEYS = Object.keys(HostFilterFields) as ApiFilterKey[]

const HostSortParam = z
  .enum([...HOST_SORT_KEYS, ...HOST_SORT_KEYS.map((key) => `-${key}` as const)])
  .default('hostId')
  .describe('the order: a key, ascending; with a leading "-", descending; ties by (tenantId, hostId)')

/** `label=site=berlin` (the value), `label=site` (present); repeatable, ANDed. In a body: a string or an array. */
export const LabelConditions = z
  .union([z.string(), z.array(z.string()).max(16)])
  .transform((given, ctx): LabelCondition[] =>
    (Array.isArray(given) ? given : [given]).flatMap((text) => {
      const condition = parseLabelCondition(text)
      if (typeof condition !== 'string') return [condition]
      ctx.addIssue({ code: 'custom', message: condition })
      return []
    }),
  )
  .optional()
  .describe('only hosts with this label: `key=value`, or `key` (any value); repeatable, every one must hold')

/** Unknown query parameters are VALIDATION_FAILED (a misspelt filter must not answer every host). */
export const HostListQuery = z.strictObject({
  ...HostFilterFields,
  label: LabelConditions,
  sort: HostSortParam,
  limit: Limit,
  cursor: z.string().max(512).optional().describe('nextCursor of the previous page (of the same sort)'),
})
export type HostListQuery = z.infer<typeof HostListQuery>

/** The Inventory filter of a query or body (absent fields stay absent: no condition). */
export function filterOf(query: Pick<HostFilter, ApiFilterKey> & { label?: LabelCondition[] }): HostFilter {
  const filter: HostFilter = Object.fromEntries(
    FILTER_KEYS.filter((key) => query[key] !== undefined).map((key) => [key, query[key]]),
  )
  return query.label === undefined || query.label.length === 0 ? filter : { ...filter, labels: query.label }
}
