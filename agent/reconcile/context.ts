import type { Logger } from '../../lib/log.ts'
import type { Amt } from '../amt/port.ts'
import type { AgentConfig } from '../config.ts'
import type { SecretRequester } from '../secret-request.ts'
import type { ServiceControl } from '../services/port.ts'
import type { ReconcileMemory } from './memory.ts'
import type { Reporter } from './reporter.ts'

/** Everything a reconcile step may use. Built once by createAgent. */
export interface ReconcileContext {
  readonly config: AgentConfig
  readonly log: Logger
  readonly amt: Amt
  readonly services: ServiceControl
  readonly reporter: Reporter
  readonly secrets: SecretRequester
  readonly memory: ReconcileMemory
  readonly now: () => number
  /** Aborted when the agent stops: steps end at the next await they can interrupt. */
  readonly signal: AbortSignal
  readonly random?: () => number
}
