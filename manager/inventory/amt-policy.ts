import type { AmtSku } from '../../schemas/enums.ts'
import { HOST_CAPABILITIES, type HostCapability } from './host-capability.ts'
import { labelsProblem, type Labels } from './labels.ts'

/**
 * The AMT policy of a host group or of one host (its override), and a group's selector: stored shapes and their
 * validation (the problem in words, null when fine). What a policy means: manager/core/effective-policy.ts.
 */

/** none: not managed; deactivate: AMT off; ccm / acm: activate in that mode; auto: ACM when eligible, else CCM. */
export const AMT_POLICY_MODES = ['none', 'deactivate', 'ccm', 'acm', 'auto'] as const
type AmtPolicyMode = (typeof AMT_POLICY_MODES)[number]
/** With `acm`: what a host that is not ACM-eligible gets (default `none`: nothing, with the reason). */
export const ACM_FALLBACKS = ['ccm', 'none'] as const
type AcmFallback = (typeof ACM_FALLBACKS)[number]

export interface AmtPolicy {
  amt: AmtPolicyMode
  acmFallback?: AcmFallback
}

/** Facts a group may select hosts by (AND): the capability class, the start of the AMT version, the SKU. */
interface FactSelector {
  capability?: HostCapability
  /** e.g. `16.` or `16.1`: a prefix of the reported `amtVersion`. */
  amtVersionPrefix?: string
  sku?: Exclude<AmtSku, 'UNSPECIFIED'>
}

/** Which hosts a group holds: every label and every fact given must match (an empty selector: every host). */
export interface GroupSelector {
  labels?: Labels
  facts?: FactSelector
}

export interface HostGroup {
  tenantId: string
  /** 1-63 characters, a label name (labels.ts), unique in the tenant. */
  name: string
  selector: GroupSelector
  /** Lower wins when a host is in several groups; ties by name. */
  priority: number
  policy: AmtPolicy
  /** 1 on create, +1 on every write. */
  version: number
  createdAt: string
  updatedAt: string
}

export interface PutGroupInput {
  tenantId: string
  name: string
  selector: GroupSelector
  priority: number
  policy: AmtPolicy
}

export const PRIORITY_MIN = -1_000_000
export const PRIORITY_MAX = 1_000_000
const VERSION_PREFIX = /^[0-9][0-9.]{0,31}$/
const GROUP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const unknownKey = (value: Record<string, unknown>, known: readonly string[], what: string): string | null => {
  const extra = Object.keys(value).find((key) => !known.includes(key))
  return extra === undefined ? null : `${what}: unknown field ${JSON.stringify(extra.slice(0, 64))}`
}

export function policyProblem(policy: unknown): string | null {
  if (!isObject(policy)) return 'the policy must be an object'
  const extra = unknownKey(policy, ['amt', 'acmFallback'], 'policy')
  if (extra !== null) return extra
  if (!(AMT_POLICY_MODES as readonly unknown[]).includes(policy.amt))
    return `policy.amt must be one of ${AMT_POLICY_MODES.join(', ')}`
  if (policy.acmFallback === undefined) return null
  if (policy.amt !== 'acm') return 'policy.acmFallback goes with amt "acm" only'
  return (ACM_FALLBACKS as readonly unknown[]).includes(policy.acmFallback)
    ? null
    : `policy.acmFallback must be one of ${ACM_FALLBACKS.join(', ')}`
}

export function selectorProblem(selector: unknown): string | null {
  if (!isObject(selector)) return 'the selector must be an object'
  const extra = unknownKey(selector, ['labels', 'facts'], 'selector')
  if (extra !== null) return extra
  if (selector.labels !== undefined) {
    const problem = labelsProblem(selector.labels)
    if (problem !== null) return `selector.labels: ${problem}`
  }
  const { facts } = selector
  if (facts === undefined) return null
  if (!isObject(facts)) return 'selector.facts must be an object'
  const extraFact = unknownKey(facts, ['capability', 'amtVersionPrefix', 'sku'], 'selector.facts')
  if (extraFact !== null) return extraFact
  if (facts.capability !== undefined && !(HOST_CAPABILITIES as readonly unknown[]).includes(facts.capability))
    return `selector.facts.capability must be one of ${HOST_CAPABILITIES.join(', ')}`
  if (facts.sku !== undefined && facts.sku !== 'AMT' && facts.sku !== 'ISM')
    return 'selector.facts.sku must be AMT or ISM'
  if (
    facts.amtVersionPrefix !== undefined &&
    (typeof facts.amtVersionPrefix !== 'string' || !VERSION_PREFIX.test(facts.amtVersionPrefix))
  )
    return 'selector.facts.amtVersionPrefix must be digits and dots (e.g. "16." or "16.1"), at most 32 characters'
  return null
}

export function groupNameProblem(name: unknown): string | null {
  return typeof name === 'string' && GROUP_NAME.test(name)
    ? null
    : 'a group name is 1-63 lower-case letters, digits or "-", beginning and ending with a letter or digit'
}

/** The first problem of a group to store, or null. */
export function groupProblem(input: PutGroupInput): string | null {
  const priorityOk =
    Number.isSafeInteger(input.priority) && input.priority >= PRIORITY_MIN && input.priority <= PRIORITY_MAX
  return (
    groupNameProblem(input.name) ??
    selectorProblem(input.selector) ??
    (priorityOk ? null : `priority must be an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}`) ??
    policyProblem(input.policy)
  )
}
