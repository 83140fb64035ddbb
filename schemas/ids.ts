import { z } from 'zod'

import { ID_PATTERN, ID_RULE } from './id-rule.ts'

export { ID_PATTERN, ID_RULE, isValidId } from './id-rule.ts'

export const TenantId = z
  .string()
  .regex(ID_PATTERN, { message: `tenantId must be ${ID_RULE}` })
  .describe(`Tenant id. Rule: ${ID_RULE}`)
export const HostId = z
  .string()
  .regex(ID_PATTERN, { message: `hostId must be ${ID_RULE}` })
  .describe(`Host id, normally the SMBIOS UUID of the node; must equal the topic's host segment. Rule: ${ID_RULE}`)
export type TenantId = z.infer<typeof TenantId>
export type HostId = z.infer<typeof HostId>
