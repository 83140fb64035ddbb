import { z } from 'zod'
import { AmtState, StatusIndication } from '../../schemas/enums.ts'
import { HostId, TenantId } from '../../schemas/ids.ts'

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

/** Equality filters on hosts, combined with AND. */
export const HostFilterFields = {
  desiredState: AmtState.optional().describe('only hosts with this desired AMT state'),
  currentState: AmtState.optional().describe('only hosts with this current AMT state'),
  statusIndicator: StatusIndication.optional().describe('only hosts with this status indicator'),
}

export const HostListQuery = z.object({
  ...HostFilterFields,
  limit: Limit,
  cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
})
export type HostListQuery = z.infer<typeof HostListQuery>

export type HostFilterQuery = { [K in keyof typeof HostFilterFields]?: z.infer<(typeof HostFilterFields)[K]> }

/** The Inventory filter of a query (absent fields stay undefined: no condition). */
export function filterOf({ desiredState, currentState, statusIndicator }: HostFilterQuery) {
  return { desiredState, currentState, statusIndicator }
}
