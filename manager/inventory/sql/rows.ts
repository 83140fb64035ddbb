import type {
  AgentPhase,
  AmtControlMode,
  AmtSku,
  AmtState,
  ObservedControlMode,
  StatusIndication,
} from '../../../schemas/enums.ts'
import type { Capability } from '../../../schemas/messages/capability.ts'
import type {
  AgentKind,
  AuditClass,
  AuditEvent,
  Deletion,
  DeviceCredential,
  Host,
  JsonValue,
  LastSeq,
  PasswordPolicy,
  PowerState,
  Tenant,
} from '../port.ts'
import type { AmtPolicy } from '../amt-policy.ts'
import type { PasswordRotation } from '../password-rotation.ts'
import { sortedLabels, type Labels } from '../labels.ts'

/** Row <-> domain mapping, the only place that knows column names and encodings (JSON text, 0/1 booleans). */

export interface TenantRow {
  tenant_id: string
  name: string
  password_policy: string
  created_at: string
}

export interface HostRow {
  tenant_id: string
  host_id: string
  name: string
  desired_state: string
  current_state: string
  sku: string
  status: string
  status_indicator: string
  status_timestamp: number
  control_mode: string
  dns_suffix: string
  desired_generation: number
  observed_generation: number
  phase: string | null
  capability: string | null
  online: number
  boot_id: string | null
  last_seen: string | null
  last_seq: string
  agent_kind: string
  activation_requested_at: string | null
  deletion: string
  desired_power_state: string
  current_power_state: string
  power_status: string
  power_status_indicator: string
  power_status_timestamp: number
  version: number
  created_at: string
  updated_at: string
  local_deactivation: number
  power_state_read_at: string | null
  labels: string
  policy_override: string | null
  reported_control_mode: string | null
  rotation: string | null
}

export interface CredentialRow {
  tenant_id: string
  host_id: string
  username: string
  password_hash: string
  created_at: string
}

export interface AuditRow {
  id: number
  tenant_id: string
  host_id: string | null
  ts: string
  kind: string
  actor: string
  detail: string
  class: AuditClass
}

/** Column list in table order, for INSERT and UPDATE statements. */
export const HOST_COLUMNS: readonly (keyof HostRow)[] = [
  'tenant_id',
  'host_id',
  'name',
  'desired_state',
  'current_state',
  'sku',
  'status',
  'status_indicator',
  'status_timestamp',
  'control_mode',
  'dns_suffix',
  'desired_generation',
  'observed_generation',
  'phase',
  'capability',
  'online',
  'boot_id',
  'last_seen',
  'last_seq',
  'agent_kind',
  'activation_requested_at',
  'deletion',
  'desired_power_state',
  'current_power_state',
  'power_status',
  'power_status_indicator',
  'power_status_timestamp',
  'version',
  'created_at',
  'updated_at',
  'local_deactivation',
  'power_state_read_at',
  'labels',
  'policy_override',
  'reported_control_mode',
  'rotation',
]

// The database CHECKs the enum columns, so reading them back as their domain types is sound.
export function hostFromRow(row: HostRow): Host {
  return {
    tenantId: row.tenant_id,
    hostId: row.host_id,
    name: row.name,
    desiredState: row.desired_state as AmtState,
    currentState: row.current_state as AmtState,
    sku: row.sku as AmtSku,
    status: row.status,
    statusIndicator: row.status_indicator as StatusIndication,
    statusTimestamp: row.status_timestamp,
    controlMode: row.control_mode as AmtControlMode,
    dnsSuffix: row.dns_suffix,
    desiredGeneration: row.desired_generation,
    observedGeneration: row.observed_generation,
    phase: row.phase as AgentPhase | null,
    reportedControlMode: row.reported_control_mode as ObservedControlMode | null,
    capability: row.capability === null ? null : (JSON.parse(row.capability) as Capability),
    online: row.online === 1,
    bootId: row.boot_id,
    lastSeen: row.last_seen,
    lastSeq: JSON.parse(row.last_seq) as LastSeq,
    agentKind: row.agent_kind as AgentKind,
    activationRequestedAt: row.activation_requested_at,
    localDeactivation: row.local_deactivation === 1,
    deletion: row.deletion as Deletion,
    desiredPowerState: row.desired_power_state as PowerState,
    currentPowerState: row.current_power_state as PowerState,
    powerStatus: row.power_status,
    powerStatusIndicator: row.power_status_indicator as StatusIndication,
    powerStatusTimestamp: row.power_status_timestamp,
    powerStateReadAt: row.power_state_read_at,
    // Sorted again: jsonb keeps its keys ordered by length first.
    labels: sortedLabels(JSON.parse(row.labels) as Labels),
    policyOverride: row.policy_override === null ? null : (JSON.parse(row.policy_override) as AmtPolicy),
    rotation: row.rotation === null ? null : (JSON.parse(row.rotation) as PasswordRotation),
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

const asJson = (value: unknown): string => JSON.stringify(value)
const asJsonOrNull = (value: unknown): string | null => (value === null ? null : JSON.stringify(value))
const asFlag = (value: unknown): number => (value === true ? 1 : 0)

/** Each Host field's column. */
export const HOST_FIELD_COLUMNS = {
  tenantId: 'tenant_id',
  hostId: 'host_id',
  name: 'name',
  desiredState: 'desired_state',
  currentState: 'current_state',
  sku: 'sku',
  status: 'status',
  statusIndicator: 'status_indicator',
  statusTimestamp: 'status_timestamp',
  controlMode: 'control_mode',
  dnsSuffix: 'dns_suffix',
  desiredGeneration: 'desired_generation',
  observedGeneration: 'observed_generation',
  phase: 'phase',
  reportedControlMode: 'reported_control_mode',
  capability: 'capability',
  online: 'online',
  bootId: 'boot_id',
  lastSeen: 'last_seen',
  lastSeq: 'last_seq',
  agentKind: 'agent_kind',
  activationRequestedAt: 'activation_requested_at',
  localDeactivation: 'local_deactivation',
  deletion: 'deletion',
  desiredPowerState: 'desired_power_state',
  currentPowerState: 'current_power_state',
  powerStatus: 'power_status',
  powerStatusIndicator: 'power_status_indicator',
  powerStatusTimestamp: 'power_status_timestamp',
  powerStateReadAt: 'power_state_read_at',
  labels: 'labels',
  policyOverride: 'policy_override',
  rotation: 'rotation',
  version: 'version',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const satisfies { readonly [F in keyof Host]: keyof HostRow }

/** The fields stored as something else than their value (JSON text, 0/1); the others are stored as they are. */
const ENCODED: Partial<Record<keyof Host, (value: unknown) => string | number | null>> = {
  capability: asJsonOrNull,
  online: asFlag,
  lastSeq: asJson,
  localDeactivation: asFlag,
  labels: asJson,
  policyOverride: asJsonOrNull,
  rotation: asJsonOrNull,
}

const HOST_FIELDS = Object.keys(HOST_FIELD_COLUMNS) as (keyof Host)[]

/** A field of the host as its column stores it. */
export function storedValue(host: Host, field: keyof Host): string | number | null {
  const value = host[field]
  const encode = ENCODED[field]
  return encode === undefined ? (value as string | number | null) : encode(value)
}

export function hostToRow(host: Host): HostRow {
  const row: Record<string, string | number | null> = {}
  for (const field of HOST_FIELDS) row[HOST_FIELD_COLUMNS[field]] = storedValue(host, field)
  return row as unknown as HostRow
}

export function tenantFromRow(row: TenantRow): Tenant {
  return {
    tenantId: row.tenant_id,
    name: row.name,
    passwordPolicy: row.password_policy as PasswordPolicy,
    createdAt: row.created_at,
  }
}

export function tenantToRow(tenant: Tenant): TenantRow {
  return {
    tenant_id: tenant.tenantId,
    name: tenant.name,
    password_policy: tenant.passwordPolicy,
    created_at: tenant.createdAt,
  }
}

export function credentialFromRow(row: CredentialRow): DeviceCredential {
  return {
    tenantId: row.tenant_id,
    hostId: row.host_id,
    username: row.username,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  }
}

export function credentialToRow(credential: DeviceCredential): CredentialRow {
  return {
    tenant_id: credential.tenantId,
    host_id: credential.hostId,
    username: credential.username,
    password_hash: credential.passwordHash,
    created_at: credential.createdAt,
  }
}

export function auditFromRow(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    hostId: row.host_id,
    ts: row.ts,
    kind: row.kind,
    actor: row.actor,
    detail: JSON.parse(row.detail) as JsonValue,
    class: row.class,
  }
}

export function auditToRow(event: Omit<AuditEvent, 'id'>): Omit<AuditRow, 'id'> {
  return {
    tenant_id: event.tenantId,
    host_id: event.hostId,
    ts: event.ts,
    kind: event.kind,
    actor: event.actor,
    detail: JSON.stringify(event.detail),
    class: event.class,
  }
}
