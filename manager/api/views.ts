import { z } from 'zod'
import {
  AgentPhase,
  AmtControlMode,
  AmtSku,
  AmtState,
  ObservedControlMode,
  StatusIndication,
} from '../../schemas/enums.ts'
import { HostId, TenantId } from '../../schemas/ids.ts'
import { amtIdentityOf } from '../core/amt-identity.ts'
import { hostCapability, hostCondition } from '../core/host-condition.ts'
import { POWER_ACTION_OUTCOMES, POWER_VIEW_STATES } from '../core/power-view.ts'
import { HOST_CAPABILITIES, HOST_CONDITIONS, POWER_STATES } from '../inventory/port.ts'
import type { AuditEvent, Host, Tenant } from '../inventory/port.ts'
import { correlatedFields } from '../core/publish/host-status.ts'
import { AmtPolicyView } from './policy-views.ts'
import { RotationView, rotationView } from './rotation-views.ts'

/**
 * What the API answers about hosts, tenants and audit events. The host view uses the field names of the
 * `status` topic's HostStatus (schemas/messages/status.ts), so integrators read the same names on both.
 * `.meta({ id })` makes them named OpenAPI components.
 */

const isoTime = z.iso.datetime()

/** The power fields of the host view (domain/power-view.ts); the power routes answer them too. */
export const PowerFields = {
  powerState: z
    .enum(POWER_VIEW_STATES)
    .describe(
      "the power state last read from MPS (MPS's codes 9 and 14 are power-cycle-pending and reset-pending); unknown when never read; never an action",
    ),
  powerStateReadAt: isoTime.nullable().describe('when powerState was read from MPS (its age); null when never read'),
  powerAction: z
    .object({
      requested: z.enum(POWER_STATES).describe('the power state the action asked for'),
      outcome: z.enum(POWER_ACTION_OUTCOMES).describe('pending while MPS carries it out'),
      message: z.string().describe('e.g. "Power action reset failed: <the reason>"'),
      at: isoTime,
    })
    .nullable()
    .describe('the last power action (not a state); null when none was requested'),
}

export const HostView = z
  .object({
    tenantId: TenantId,
    hostId: HostId,
    name: z.string(),
    desiredState: AmtState.describe('the AMT state asked for (desired_amt_state)'),
    currentState: AmtState.describe('the AMT state the agent reported (current_amt_state)'),
    sku: AmtSku,
    status: z.string().describe('human status text (amt_status), e.g. "AMT Activation Done"'),
    statusIndicator: StatusIndication,
    statusTimestamp: z.int().min(0).describe('unix seconds of the last status write'),
    controlMode: AmtControlMode.describe('the control mode asked for (desired)'),
    reportedControlMode: ObservedControlMode.nullable().describe(
      "the control mode AMT reports (the agent's last state); null before its first report. Differs from " +
        'controlMode when AMT is in another mode than asked',
    ),
    dnsSuffix: z.string(),
    desiredGeneration: z.int().min(0).describe('incremented by every desired write'),
    observedGeneration: z.int().min(0).describe('the desired generation the agent last reported on'),
    phase: AgentPhase.nullable().describe("the agent's last reported phase; null before its first state report"),
    online: z.boolean(),
    lastSeen: isoTime.nullable(),
    agentKind: z.enum(['mqtt', 'grpc']),
    activationRequestedAt: isoTime
      .nullable()
      .describe('when activation was last requested (null when none is pending)'),
    deletion: z.enum(['none', 'pending']).describe('pending: deleted once the agent reports AMT deactivated'),
    condition: z
      .enum(HOST_CONDITIONS)
      .describe("the host's one-word AMT state, derived from the fields above (docs/api.md); a list filter"),
    capabilityClass: z
      .enum(HOST_CAPABILITIES)
      .describe('AMT / ISM by the SKU; NONE: reported not capable; UNKNOWN: no capability report yet'),
    capability: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("the agent's last capability report (see the AsyncAPI document)"),
    identity: z
      .object({
        amtUuid: z.string().describe('the AMT UUID the agent reported (capability.amtUuid)'),
        matches: z.boolean().describe('false when it differs from the hostId (compared ignoring case)'),
      })
      .nullable()
      .describe('the AMT UUID against the hostId; null until the agent reports an AMT UUID'),
    labels: z.record(z.string(), z.string()).describe("the operator's labels (docs/policy.md); groups select by them"),
    policyOverride: AmtPolicyView.nullable().describe("the host's own AMT policy, which wins over its groups'"),
    rotation: RotationView.nullable().describe('the last AMT password rotation (docs/credentials.md); null: never'),
    ...PowerFields,
    version: z.int().min(1),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Host', description: 'A host with its AMT fields' })
export type HostView = z.infer<typeof HostView>

export function hostView(host: Host): HostView {
  return {
    ...correlatedFields(host),
    phase: host.phase,
    activationRequestedAt: host.activationRequestedAt,
    deletion: host.deletion,
    condition: hostCondition(host),
    capabilityClass: hostCapability(host),
    capability: host.capability,
    identity: amtIdentityOf(host.hostId, host.capability),
    labels: host.labels,
    policyOverride: host.policyOverride,
    rotation: host.rotation === null ? null : rotationView(host.rotation),
    version: host.version,
    createdAt: host.createdAt,
    updatedAt: host.updatedAt,
  }
}

export const TenantView = z
  .object({
    tenantId: TenantId,
    name: z.string(),
    passwordPolicy: z.enum(['static', 'random']).describe('static: one AMT password per tenant; random: one per host'),
    createdAt: isoTime,
  })
  .meta({ id: 'Tenant', description: 'A tenant' })
export type TenantView = z.infer<typeof TenantView>

export const tenantView = ({ tenantId, name, passwordPolicy, createdAt }: Tenant): TenantView => ({
  tenantId,
  name,
  passwordPolicy,
  createdAt,
})

export const AuditClassView = z
  .enum(['security', 'activity'])
  .describe(
    'security: password reads and requests, credential, deletion, desired and power changes (kept apart, never evicted by device chatter); activity: agent events and state reports (pruned by retention)',
  )

export const AuditEventView = z
  .object({
    id: z.int().min(1).describe('increasing; pass the last one as `before` for the next page'),
    tenantId: TenantId,
    hostId: HostId.nullable(),
    ts: isoTime,
    kind: z.string().describe("e.g. 'desired.set', 'state', 'host.deleted'"),
    actor: z.string().describe("'agent', 'manager', or 'api:<token name>'"),
    detail: z.unknown().describe('kind-specific JSON'),
    class: AuditClassView,
  })
  .meta({ id: 'AuditEvent', description: 'An audit event' })
export type AuditEventView = z.infer<typeof AuditEventView>

export const auditEventView = ({
  id,
  tenantId,
  hostId,
  ts,
  kind,
  actor,
  detail,
  class: auditClass,
}: AuditEvent): AuditEventView => ({
  id,
  tenantId,
  hostId,
  ts,
  kind,
  actor,
  detail,
  class: auditClass,
})
