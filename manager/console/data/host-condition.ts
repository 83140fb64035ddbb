import { isNotSupportedStatus } from '../../core/publish/status-texts.ts'
import type { Host } from '../../inventory/port.ts'

// provisional until the query helper merges: then these come from manager/core/host-condition.ts

export const HOST_CAPABILITIES = ['AMT', 'ISM', 'NONE', 'UNKNOWN'] as const
export type HostCapability = (typeof HOST_CAPABILITIES)[number]

export const HOST_CONDITIONS = [
  'PROVISIONED',
  'ACTIVATING',
  'DEACTIVATING',
  'FAILED',
  'NOT_SUPPORTED',
  'UNPROVISIONED',
  'PENDING_DELETION',
] as const
export type HostCondition = (typeof HOST_CONDITIONS)[number]

type ConditionFields = Pick<
  Host,
  'sku' | 'capability' | 'status' | 'deletion' | 'statusIndicator' | 'desiredState' | 'currentState' | 'phase'
>

const notCapable = (host: ConditionFields): boolean =>
  host.sku === 'UNSPECIFIED' && (host.capability?.capable === false || isNotSupportedStatus(host.status))

/** AMT / ISM from the SKU; NONE when the node said it has neither; UNKNOWN before it said anything. */
export function hostCapability(host: ConditionFields): HostCapability {
  if (host.sku === 'AMT' || host.sku === 'ISM') return host.sku
  return notCapable(host) ? 'NONE' : 'UNKNOWN'
}

const CONDITION_RULES: readonly (readonly [HostCondition, (host: ConditionFields) => boolean])[] = [
  ['PENDING_DELETION', (host) => host.deletion === 'pending'],
  ['NOT_SUPPORTED', notCapable],
  ['FAILED', (host) => host.statusIndicator === 'ERROR'],
  [
    'ACTIVATING',
    (host) =>
      host.desiredState === 'PROVISIONED' && (host.currentState !== 'PROVISIONED' || host.phase === 'ACTIVATING'),
  ],
  [
    'DEACTIVATING',
    (host) =>
      host.desiredState === 'UNPROVISIONED' && (host.currentState === 'PROVISIONED' || host.phase === 'DEACTIVATING'),
  ],
  ['PROVISIONED', (host) => host.currentState === 'PROVISIONED'],
]

/** The operator's one-word AMT state of a host: the first rule that holds, else UNPROVISIONED. */
export function hostCondition(host: ConditionFields): HostCondition {
  return CONDITION_RULES.find(([, holds]) => holds(host))?.[0] ?? 'UNPROVISIONED'
}
