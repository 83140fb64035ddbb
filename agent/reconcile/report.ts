import type { AgentPhase, RpcError } from '../../schemas/index.ts'
import type { AmtInfo } from '../amt/port.ts'
import type { StateBody } from '../messages.ts'
import type { ReconcileContext } from './context.ts'

export interface PhaseReport {
  phase: AgentPhase
  /** Generation acted on (0: no desired yet). */
  generation: number
  /** What amtinfo last showed (null when it could not be read). */
  info: AmtInfo | null
  error?: RpcError | null
  reason?: string | null
}

/** The report step: one `state` (published only when it changed; the bus republishes it on reconnect). */
export function reportPhase(ctx: ReconcileContext, report: PhaseReport): void {
  ctx.reporter.state(stateBody(report))
  ctx.log.debug({ phase: report.phase, generation: report.generation }, 'state reported')
}

function stateBody({ phase, generation, info, error, reason }: PhaseReport): StateBody {
  return {
    phase,
    observedGeneration: generation,
    controlMode: info?.controlMode ?? 'UNKNOWN',
    remoteStatus: info?.ras?.remoteStatus ?? null,
    ...(error ? { error } : {}),
    ...(reason ? { reason: reason.slice(0, 1024) } : {}),
  }
}
