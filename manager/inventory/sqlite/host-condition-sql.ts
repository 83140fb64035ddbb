import type { HostCondition } from '../port.ts'

/**
 * The SQL twin of manager/core/host-condition.ts (capability and condition of a host row), in the same order; a
 * test checks both agree on a grid of hosts. The "AMT not supported" status text is the manager's
 * (manager/core/publish/status-texts.ts).
 */
const NOT_CAPABLE = `(sku = 'UNSPECIFIED' AND (json_extract(capability, '$.capable') = 0
  OR status = 'AMT not supported' OR status GLOB 'AMT not supported:*'))`

export const CAPABILITY_SQL = `(CASE WHEN sku IN ('AMT', 'ISM') THEN sku
  WHEN ${NOT_CAPABLE} THEN 'NONE' ELSE 'UNKNOWN' END)`

const CONDITION_RULES: readonly (readonly [HostCondition, string])[] = [
  ['PENDING_DELETION', `deletion = 'pending'`],
  ['NOT_SUPPORTED', NOT_CAPABLE],
  ['FAILED', `status_indicator = 'ERROR'`],
  ['ACTIVATING', `desired_state = 'PROVISIONED' AND (current_state <> 'PROVISIONED' OR phase IS 'ACTIVATING')`],
  ['DEACTIVATING', `desired_state = 'UNPROVISIONED' AND (current_state = 'PROVISIONED' OR phase IS 'DEACTIVATING')`],
  ['PROVISIONED', `current_state = 'PROVISIONED'`],
]

const whens = CONDITION_RULES.map(([name, when]) => `WHEN ${when} THEN '${name}'`)
export const CONDITION_SQL = `(CASE ${whens.join(' ')} ELSE 'UNPROVISIONED' END)`
