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

/**
 * The status view's fields that may move without a visible change (status-publisher.ts), in JSON: every field of
 * hostStatusOf but `v`, `ts`, `lastSeen` and `powerStateReadAt`. Serialised once per publication: it is what a change
 * is judged on and, with those four put in front (statusPayloadOf), the payload.
 */
export function statusFieldsJson(host: Host): string {
  const { lastSeen: _lastSeen, powerStateReadAt: _readAt, ...fields } = correlatedFields(host)
  return JSON.stringify(fields)
}

/**
 * The `status` payload: hostStatusOf(host, now) as JSON, built from statusFieldsJson(host) without serialising the
 * view again (test/manager/core/publish/host-status.test.ts proves both are the same object).
 */
export function statusPayloadOf(host: Host, now: Date, fieldsJson: string): string {
  const head =
    `{"v":${JSON.stringify(SCHEMA_VERSION)},"ts":${JSON.stringify(now.toISOString())},` +
    `"lastSeen":${JSON.stringify(host.lastSeen)},"powerStateReadAt":${JSON.stringify(host.powerStateReadAt)}`
  // fieldsJson is never `{}` (it holds the ids): its members follow the head's after a comma.
  return `${head},${fieldsJson.slice(1)}`
}
