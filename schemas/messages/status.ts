import { z } from 'zod'
import { envelope } from '../envelope.ts'
import { AmtControlMode, AmtSku, AmtState, StatusIndication } from '../enums.ts'
import { TenantId } from '../ids.ts'

/** The manager's correlated view of a host, as stored in Inventory. Retained, for integrators. */
export const HostStatus = z.strictObject({
  ...envelope,
  tenantId: TenantId,
  name: z.string().max(128),
  desiredState: AmtState,
  currentState: AmtState,
  sku: AmtSku,
  status: z.string().max(1024).describe('human status text, e.g. "AMT Activation Done"'),
  statusIndicator: StatusIndication,
  statusTimestamp: z.int().min(0).describe('unix seconds of the last status write'),
  controlMode: AmtControlMode,
  dnsSuffix: z.string().max(255),
  desiredGeneration: z.int().min(0),
  observedGeneration: z.int().min(0),
  online: z.boolean().describe("the host's last presence"),
  lastSeen: z.iso.datetime({ offset: true }).nullable().describe('time of the last message from the host'),
  agentKind: z.enum(['mqtt', 'grpc']).describe('how the host talks to the manager: this MQTT contract or the legacy gRPC API'),
}).describe("The manager's correlated view of a host, as stored in Inventory. Retained, for integrators.")
export type HostStatus = z.infer<typeof HostStatus>
