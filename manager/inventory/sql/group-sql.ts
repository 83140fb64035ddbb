import type { AmtPolicy, GroupSelector, HostGroup, PutGroupInput } from '../amt-policy.ts'
import { groupProblem } from '../amt-policy.ts'
import { NotFoundError, groupVersionConflict, invalidInput } from '../errors.ts'
import { assertId } from '../host-patch.ts'
import { sortedLabels } from '../labels.ts'

/** Host groups in SQL, the same for every engine: rows, statements, and the rules of a write. */

export interface GroupRow {
  tenant_id: string
  name: string
  selector: string
  priority: number
  policy: string
  version: number
  created_at: string
  updated_at: string
}

export const GROUP_SQL = {
  get: 'SELECT * FROM host_groups WHERE tenant_id = ? AND name = ?',
  list: 'SELECT * FROM host_groups WHERE tenant_id = ? ORDER BY priority, name',
  upsert: `INSERT INTO host_groups (tenant_id, name, selector, priority, policy, version, created_at, updated_at)
    VALUES (@tenant_id, @name, @selector, @priority, @policy, @version, @created_at, @updated_at)
    ON CONFLICT (tenant_id, name) DO UPDATE SET selector = excluded.selector, priority = excluded.priority,
      policy = excluded.policy, version = excluded.version, updated_at = excluded.updated_at`,
  delete: 'DELETE FROM host_groups WHERE tenant_id = ? AND name = ?',
} as const

export const groupFromRow = (row: GroupRow): HostGroup => ({
  tenantId: row.tenant_id,
  name: row.name,
  selector: sortedSelector(JSON.parse(row.selector) as GroupSelector),
  priority: row.priority,
  policy: JSON.parse(row.policy) as AmtPolicy,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export const groupToRow = (group: HostGroup): GroupRow => ({
  tenant_id: group.tenantId,
  name: group.name,
  selector: JSON.stringify(group.selector),
  priority: group.priority,
  policy: JSON.stringify(group.policy),
  version: group.version,
  created_at: group.createdAt,
  updated_at: group.updatedAt,
})

export function assertGroupKey(tenantId: string, name: string): void {
  assertId('tenantId', tenantId)
  if (typeof name !== 'string' || name.length === 0 || name.length > 63) throw invalidInput('invalid group name')
}

/**
 * The group to store for `input`, given the stored one (undefined: none yet): validated, labels sorted, version +1.
 * `expectedVersion`: the stored version the caller read (NotFound when there is none, a conflict when it moved).
 */
export function nextGroup(
  stored: HostGroup | undefined,
  input: PutGroupInput,
  expectedVersion: number | undefined,
  now: Date,
): HostGroup {
  assertId('tenantId', input.tenantId)
  const problem = groupProblem(input)
  if (problem !== null) throw invalidInput(problem)
  if (expectedVersion !== undefined) {
    if (stored === undefined) throw groupNotFound(input.tenantId, input.name)
    if (stored.version !== expectedVersion)
      throw groupVersionConflict(input.tenantId, input.name, expectedVersion, stored.version)
  }
  const iso = now.toISOString()
  return {
    tenantId: input.tenantId,
    name: input.name,
    selector: sortedSelector(input.selector),
    priority: input.priority,
    policy: input.policy,
    version: (stored?.version ?? 0) + 1,
    createdAt: stored?.createdAt ?? iso,
    updatedAt: iso,
  }
}

export const groupNotFound = (tenantId: string, group: string): NotFoundError =>
  new NotFoundError('group', { tenantId, group })

/** Labels with their keys sorted (jsonb keeps keys ordered by length first), facts in a fixed order. */
function sortedSelector({ labels, facts }: GroupSelector): GroupSelector {
  const factsSorted = facts && {
    ...(facts.capability === undefined ? {} : { capability: facts.capability }),
    ...(facts.amtVersionPrefix === undefined ? {} : { amtVersionPrefix: facts.amtVersionPrefix }),
    ...(facts.sku === undefined ? {} : { sku: facts.sku }),
  }
  return {
    ...(labels === undefined ? {} : { labels: sortedLabels(labels) }),
    ...(factsSorted ? { facts: factsSorted } : {}),
  }
}
