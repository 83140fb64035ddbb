import type { HostView } from '../../api/views.ts'

/** The host page's field groups: every field of the API's host view, under the API's names, with a label. */
export interface FieldGroup {
  id: string
  title: string
  fields: readonly (keyof HostView)[]
  /** Spans the panel's whole width (a group with nested values, e.g. the capability report). */
  wide?: boolean
}

export const FIELD_GROUPS: readonly FieldGroup[] = [
  { id: 'identity', title: 'Identity', fields: ['hostId', 'tenantId', 'name', 'version', 'createdAt', 'updatedAt'] },
  {
    id: 'amt',
    title: 'AMT',
    fields: [
      'condition',
      'desiredState',
      'currentState',
      'controlMode',
      'reportedControlMode',
      'dnsSuffix',
      'status',
      'statusIndicator',
      'statusTimestamp',
      'phase',
      'desiredGeneration',
      'observedGeneration',
      'activationRequestedAt',
      'deletion',
    ],
  },
  { id: 'connectivity', title: 'Connectivity', fields: ['online', 'lastSeen', 'agentKind'] },
  { id: 'rotation', title: 'Password rotation', fields: ['rotation'] },
  { id: 'power', title: 'Power', fields: ['powerState', 'powerStateReadAt', 'powerAction'] },
  { id: 'identity-check', title: 'Identity check', fields: ['identity'] },
  { id: 'capability', title: 'Capability', fields: ['capabilityClass', 'sku', 'capability'], wide: true },
]

const LABELS: Partial<Record<string, string>> = {
  hostId: 'Host id',
  tenantId: 'Tenant',
  name: 'Name',
  version: 'Record version',
  createdAt: 'Registered',
  updatedAt: 'Last written',
  condition: 'Condition',
  desiredState: 'Desired state',
  currentState: 'Current state',
  controlMode: 'Control mode (asked)',
  reportedControlMode: 'Control mode (AMT reports)',
  rotation: 'Last rotation',
  dnsSuffix: 'DNS suffix',
  status: 'Status',
  statusIndicator: 'Status indicator',
  statusTimestamp: 'Status written',
  phase: 'Agent phase',
  desiredGeneration: 'Desired generation',
  observedGeneration: 'Observed generation',
  activationRequestedAt: 'Activation requested',
  deletion: 'Deletion',
  online: 'Online',
  lastSeen: 'Last seen',
  agentKind: 'Agent kind',
  capabilityClass: 'Capability',
  sku: 'SKU',
  capability: 'Last capability report',
  powerState: 'Power state',
  powerStateReadAt: 'Power state read',
  powerAction: 'Last power action',
  identity: 'AMT UUID',
}

/** "Desired state" for desiredState; a field the page does not know yet reads under its API name. */
export const labelOf = (field: string): string => LABELS[field] ?? field

/** The fields no group names (added to the API later): shown under "Other fields", so none is ever left out. */
export function ungroupedFields(view: HostView): string[] {
  const grouped = new Set<string>(FIELD_GROUPS.flatMap((group) => group.fields))
  return Object.keys(view).filter((field) => !grouped.has(field))
}
