import { SCHEMA_VERSION } from '../../../schemas/envelope.ts'
import type { HostStatus } from '../../../schemas/messages/status.ts'
import { powerViewOf, type PowerView } from '../power-view.ts'
import type { Host } from '../../inventory/port.ts'

/** The correlated fields of a host shared by the `status` topic and the API's host view (same names on both). */
export function correlatedFields(host: Host): Omit<HostStatus, 'v' | 'ts' | 'reportedControlMode'> & {
  reportedControlMode: Host['reportedControlMode']
} & PowerView {
  return {
    hostId: host.hostId,
    tenantId: host.tenantId,
    name: host.name,
    desiredState: host.desiredState,
    currentState: host.currentState,
    sku: host.sku,
    status: host.status,
    statusIndicator: host.statusIndicator,
    statusTimestamp: host.statusTimestamp,
    controlMode: host.controlMode,
    reportedControlMode: host.reportedControlMode,
    dnsSuffix: host.dnsSuffix,
    desiredGeneration: host.desiredGeneration,
    observedGeneration: host.observedGeneration,
    online: host.online,
    lastSeen: host.lastSeen,
    agentKind: host.agentKind,
    labels: host.labels,
    ...powerViewOf(host),
  }
}

/** The correlated view of a host as published on its `status` leaf (HostStatus schema). */
export function hostStatusOf(host: Host, now: Date): HostStatus {
  return { v: SCHEMA_VERSION, ts: now.toISOString(), ...correlatedFields(host) }
}
