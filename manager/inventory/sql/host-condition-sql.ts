import type { HostCondition } from '../port.ts'

/** Where the SQL engines differ in the host queries (manager/inventory/sql/). */
export interface SqlEngine {
  /** True when the capability JSON's `capable` is false. */
  capableFalse: string
  /** The LIKE that ignores the case of ASCII letters only. */
  like: string
  /** The value (text) of the label named by the parameter `@<param>` (the label key), NULL when absent. */
  label: (param: string) => string
  /**
   * The state (text) of the host's rotation JSON, NULL without one; `<it> = 'pending'` is the predicate of the
   * partial index hosts_rotation_pending (SQLite migration 12, PostgreSQL step 7), so it must be written as there.
   */
  rotationState: string
}

/** The engine's expressions for the host queries: a host row's capability and condition, the search's LIKE. */
export interface HostDialect {
  capability: string
  condition: string
  like: string
  label: (param: string) => string
  rotationState: string
}

/**
 * The SQL twin of manager/core/host-condition.ts (capability and condition of a host row), in the same order; a
 * test checks both agree on a grid of hosts. The "AMT not supported" status text is the manager's
 * (manager/core/publish/status-texts.ts). Engine-neutral SQL but for the engine's `capableFalse`. A NULL phase
 * compares unknown, which a WHEN takes as false.
 */
export function hostDialect({ capableFalse, like, label, rotationState }: SqlEngine): HostDialect {
  const notCapable = `(sku = 'UNSPECIFIED' AND (${capableFalse}
  OR status = 'AMT not supported' OR substr(status, 1, 18) = 'AMT not supported:'))`
  const rules: readonly (readonly [HostCondition, string])[] = [
    ['PENDING_DELETION', `deletion = 'pending'`],
    ['NOT_SUPPORTED', notCapable],
    ['FAILED', `status_indicator = 'ERROR'`],
    ['ACTIVATING', `desired_state = 'PROVISIONED' AND (current_state <> 'PROVISIONED' OR phase = 'ACTIVATING')`],
    ['DEACTIVATING', `desired_state = 'UNPROVISIONED' AND (current_state = 'PROVISIONED' OR phase = 'DEACTIVATING')`],
    ['PROVISIONED', `current_state = 'PROVISIONED'`],
  ]
  const whens = rules.map(([name, when]) => `WHEN ${when} THEN '${name}'`)
  return {
    capability: `(CASE WHEN sku IN ('AMT', 'ISM') THEN sku WHEN ${notCapable} THEN 'NONE' ELSE 'UNKNOWN' END)`,
    condition: `(CASE ${whens.join(' ')} ELSE 'UNPROVISIONED' END)`,
    like,
    label,
    rotationState,
  }
}
