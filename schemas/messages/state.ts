import { z } from 'zod'
import { agentEnvelope } from '../envelope.ts'
import { AgentPhase, ObservedControlMode, RasRemoteStatus } from '../enums.ts'
import { RpcError } from './error.ts'

/** The agent's phase and what it last observed. Retained. */
export const State = z
  .strictObject({
    ...agentEnvelope,
    phase: AgentPhase,
    observedGeneration: z.int().min(0).describe('generation of the last desired the agent acted on (0: none yet)'),
    controlMode: ObservedControlMode,
    remoteStatus: RasRemoteStatus.nullable().describe('CIRA connection status (ras.remoteStatus); null when unknown'),
    error: RpcError.optional().describe('the rpc failure, when phase is FAILED'),
    reason: z.string().max(1024).optional().describe('human text, e.g. why NOT_SUPPORTED or what failed'),
  })
  .describe("The agent's reconciliation phase and what it last observed. Retained.")
export type State = z.infer<typeof State>
