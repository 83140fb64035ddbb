import type { Host, HostCapability, HostCondition } from '../inventory/port.ts'
import { isNotSupportedStatus } from './publish/status-texts.ts'

/**
 * A host's capability and condition (manager/inventory/host-filter.ts), decided from its stored fields. The SQL
 * twin the Inventory filters, sorts and counts with is manager/inventory/sql/host-condition-sql.ts; a test
 * checks both agree on a grid of hosts, on each engine (test/helpers/condition-twin.ts).
 *
 * Not capable: the agent's capability report says so, or the status is the manager's "AMT not supported" text
 * (written for a report that is not capable, an agent's NOT_SUPPORTED and a gRPC agent's DISABLED; cleared when
 * the node is capable again). A not-capable host has sku UNSPECIFIED.
 */
const notCapable = (host: Host): boolean =>
  host.sku === 'UNSPECIFIED' && (host.capability?.capable === false || isNotSupportedStatus(host.status))

export function hostCapability(host: Host): HostCapability {
  if (host.sku === 'AMT' || host.sku === 'ISM') return host.sku
  return notCapable(host) ? 'NONE' : 'UNKNOWN'
}

/**
 * The first rule that holds decides. A failure is the status indicator ERROR (an agent's FAILED, a passed
 * activation deadline, a failed deactivation), so a new request clears it only once the agent reports on it;
 * "not supported" is an ERROR too, but NOT_SUPPORTED comes first.
 *
 *   condition         when
 *   PENDING_DELETION  a deletion is pending
 *   NOT_SUPPORTED     capability NONE
 *   FAILED            statusIndicator ERROR
 *   ACTIVATING        desired PROVISIONED, and current is not PROVISIONED or the agent's phase is ACTIVATING
 *   DEACTIVATING      desired UNPROVISIONED, and current is PROVISIONED or the agent's phase is DEACTIVATING
 *   PROVISIONED       current PROVISIONED
 *   UNPROVISIONED     otherwise (nothing asked, or deactivated)
 */
const CONDITION_RULES: readonly (readonly [HostCondition, (host: Host) => boolean])[] = [
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

export function hostCondition(host: Host): HostCondition {
  return CONDITION_RULES.find(([, holds]) => holds(host))?.[0] ?? 'UNPROVISIONED'
}
