import { z } from 'zod'
import { envelope } from '../envelope.ts'
import {
  AmtControlMode,
  AmtSku,
  AmtState,
  ObservedControlMode,
  PowerActionOutcome,
  PowerState,
  PowerViewState,
  StatusIndication,
} from '../enums.ts'
import { TenantId } from '../ids.ts'

/** A host's last power action, apart from its power state (an action is never a state). */
const PowerActionStatus = z.strictObject({
  requested: PowerState.describe('the power state the action asked for'),
  outcome: PowerActionOutcome.describe('pending while MPS carries it out'),
  message: z.string().max(1024).describe('e.g. "Power action reset failed: <the reason>"'),
  at: z.iso.datetime({ offset: true }).describe('when the outcome was written'),
})
type PowerActionStatus = z.infer<typeof PowerActionStatus>

/**
 * The power fields (with RPS/MPS configured: docs/dmt.md). Optional: absent in the status of a manager that predates
 * them. A new reading of the same state does not republish the status on its own.
 */
const power = {
  powerState: PowerViewState.optional().describe(
    "the power state last read from MPS (MPS's codes 9 and 14 are power-cycle-pending and reset-pending); " +
      'unknown when never read; never an action',
  ),
  powerStateReadAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe('when powerState was read from MPS; null when never read (a same-state re-reading does not republish)'),
  powerAction: PowerActionStatus.nullable().optional().describe('the last power action (not a state); null when none'),
}

/** The manager's correlated view of a host, as stored in Inventory. Retained, for integrators. */
export const HostStatus = z
  .strictObject({
    ...envelope,
    tenantId: TenantId,
    name: z.string().max(128),
    desiredState: AmtState,
    currentState: AmtState,
    sku: AmtSku,
    status: z.string().max(1024).describe('human status text, e.g. "AMT Activation Done"'),
    statusIndicator: StatusIndication,
    statusTimestamp: z.int().min(0).describe('unix seconds of the last status write'),
    controlMode: AmtControlMode.describe('the control mode asked for (desired)'),
    reportedControlMode: ObservedControlMode.nullable()
      .optional()
      .describe(
        "the control mode AMT reports (the agent's last state); null before its first report; absent from a manager " +
          'that predates it. It differs from controlMode when AMT is in another mode than asked (e.g. CCM, asked ACM)',
      ),
    dnsSuffix: z.string().max(255),
    desiredGeneration: z.int().min(0),
    observedGeneration: z.int().min(0),
    online: z.boolean().describe("the host's last presence"),
    lastSeen: z.iso.datetime({ offset: true }).nullable().describe('time of the last message from the host'),
    agentKind: z
      .enum(['mqtt', 'grpc'])
      .describe('how the host talks to the manager: this MQTT contract or the legacy gRPC API'),
    labels: z
      .record(z.string().max(317), z.string().max(63))
      .refine((labels) => Object.keys(labels).length <= 64, 'at most 64 labels')
      .optional()
      .describe("the operator's labels of the host (`site: berlin`); absent from a manager that predates them"),
    ...power,
  })
  .describe("The manager's correlated view of a host, as stored in Inventory. Retained, for integrators.")
export type HostStatus = z.infer<typeof HostStatus>
