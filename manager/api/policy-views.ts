import { z } from 'zod'
import { HostId, TenantId } from '../../schemas/ids.ts'
import { NO_TARGET_REASONS, type EffectivePolicy } from '../core/effective-policy.ts'
import type { DriftedHost } from '../core/policy-drift.ts'
import {
  ACM_FALLBACKS,
  AMT_POLICY_MODES,
  HOST_CAPABILITIES,
  groupNameProblem,
  labelKeyProblem,
  labelsProblem,
  policyProblem,
  PRIORITY_MAX,
  PRIORITY_MIN,
  selectorProblem,
  type HostGroup,
} from '../inventory/port.ts'
import { AcmEligibilityView } from './routes/host-acm.ts'

/** What the API answers and takes about labels, AMT policies, groups and drift (docs/policy.md). */

const isoTime = z.iso.datetime()

/** A zod check by one of the Inventory's rules (the problem in words, null when fine). */
const checkedBy =
  <T>(problem: (value: T) => string | null) =>
  (value: T, ctx: z.RefinementCtx) => {
    const found = problem(value)
    if (found !== null) ctx.addIssue({ code: 'custom', message: found })
  }

export const LabelsSchema = z
  .record(z.string(), z.string())
  .superRefine(checkedBy(labelsProblem))
  .describe('key/value labels: keys like Kubernetes label keys ([prefix/]name), values empty or a name; at most 64')

export const AmtPolicyView = z
  .strictObject({
    amt: z
      .enum(AMT_POLICY_MODES)
      .describe('none: not managed; deactivate; ccm; acm; auto: ACM when eligible, else CCM'),
    acmFallback: z
      .enum(ACM_FALLBACKS)
      .optional()
      .describe('with acm: what a host that is not ACM-eligible gets (default none: nothing, with the reason)'),
  })
  .superRefine(checkedBy(policyProblem))
  .meta({ id: 'AmtPolicy', description: "An AMT policy: a group's, or one host's override" })

const GroupSelectorView = z
  .strictObject({
    labels: z.record(z.string(), z.string()).optional().describe('every label must match (exact values)'),
    facts: z
      .strictObject({
        capability: z.enum(HOST_CAPABILITIES).optional(),
        amtVersionPrefix: z.string().optional().describe('a prefix of the reported AMT version, e.g. "16."'),
        sku: z.enum(['AMT', 'ISM']).optional(),
      })
      .optional()
      .describe('every fact given must match'),
  })
  .superRefine(checkedBy(selectorProblem))
  .meta({ id: 'GroupSelector', description: 'Which hosts a group holds (AND of everything given)' })

export const GroupView = z
  .object({
    tenantId: TenantId,
    name: z.string(),
    selector: GroupSelectorView,
    priority: z.int().describe('lower wins when a host is in several groups; ties by name'),
    policy: AmtPolicyView,
    version: z.int().min(1).describe('give it back as `version` to replace only this version'),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'HostGroup', description: 'A host group with its AMT policy' })

export type GroupView = z.infer<typeof GroupView>

export const groupView = (group: HostGroup): z.infer<typeof GroupView> => ({ ...group })

export const GroupParams = z.object({
  tenantId: TenantId,
  name: z.string().superRefine(checkedBy(groupNameProblem)),
})

export const GroupBody = z.strictObject({
  selector: GroupSelectorView,
  priority: z.int().min(PRIORITY_MIN).max(PRIORITY_MAX).describe('lower wins; ties by name'),
  policy: AmtPolicyView,
  version: z
    .int()
    .min(1)
    .optional()
    .describe('replace only this version (else GROUP_CHANGED); absent: create or replace'),
})

export const LabelEdit = z.strictObject({
  set: LabelsSchema.optional().describe('labels to add or change'),
  remove: z
    .array(z.string().superRefine(checkedBy(labelKeyProblem)))
    .max(64)
    .optional()
    .describe('label keys to remove'),
  version: z.int().min(1).optional().describe("the host's version as read: refused with HOST_CHANGED when it moved"),
})

export const OverrideBody = z.strictObject({
  policy: AmtPolicyView.nullable().describe('null: no override (the groups decide)'),
  version: z.int().min(1).optional().describe("the host's version as read: refused with HOST_CHANGED when it moved"),
})

const PolicyTargetView = z.object({
  state: z.enum(['PROVISIONED', 'UNPROVISIONED']),
  controlMode: z.enum(['ACM', 'CCM']).optional(),
})

export const EffectivePolicyView = z
  .object({
    tenantId: TenantId,
    hostId: HostId,
    policy: AmtPolicyView.nullable().describe('null: no group holds the host and it has no override'),
    source: z.string().describe('override | group:<name> | none'),
    target: PolicyTargetView.nullable().describe('the desired state the policy implies; null: nothing (see reason)'),
    reason: z
      .object({ code: z.enum(NO_TARGET_REASONS), message: z.string() })
      .optional()
      .describe('why there is no target, or why CCM where ACM was asked'),
    acmEligibility: AcmEligibilityView.optional().describe('when the policy needed it (acm, auto)'),
    drift: z.boolean().describe("the host's desired differs from the target (a rollout would change it)"),
  })
  .meta({ id: 'EffectivePolicy', description: "A host's effective AMT policy, where it came from, what it implies" })

export type EffectivePolicyView = z.infer<typeof EffectivePolicyView>

export const effectivePolicyView = (
  key: { tenantId: string; hostId: string },
  effective: EffectivePolicy,
  drift: boolean,
): z.infer<typeof EffectivePolicyView> => ({ ...key, ...effective, drift })

const DriftedHostView = z.object({
  tenantId: TenantId,
  hostId: HostId,
  source: z.string(),
  target: PolicyTargetView,
  dnsSuffix: z.string().optional().describe('with an ACM target: the DNS suffix the activation uses'),
  desired: z.object({ state: z.string(), controlMode: z.string() }).describe("the host's desired now"),
})

export const DriftPage = z
  .object({
    total: z.int().min(0).describe("hosts of the group whose desired differs from the group's policy"),
    hosts: z.array(DriftedHostView).describe('the first `limit` of them, by hostId'),
  })
  .meta({ id: 'PolicyDrift', description: 'What applying a policy would change (a rollout applies it)' })

export const driftPage = (drifted: readonly DriftedHost[], limit: number) => ({
  total: drifted.length,
  hosts: drifted.slice(0, limit),
})
