import type { Desired, RpcError } from '../../schemas/index.ts'
import type { RpcVersion } from '../amt/port.ts'

/** What the reconciler remembers between passes (in memory only: a restart starts afresh from observation). */
export interface ReconcileMemory {
  /** Latest accepted desired (highest generation seen). */
  desired: Desired | null
  /** Failed attempts for the current generation. */
  attempts: number
  /** Stuck-connecting recoveries for the current generation. */
  recoveries: number
  /** The last failure of the current generation, reported with FAILED. */
  lastError: RpcError | null
  /** The generation that ended FAILED (sticky until a newer one arrives). */
  failedGeneration: number | null
  failedReason: string | null
  /** Since when AMT is seen `connecting`. */
  connectingSince: number | null
  /** Consecutive failed observations (amtinfo), independent of generations. */
  observeFailures: number
  rpcVersion: RpcVersion | null
}

export function createMemory(): ReconcileMemory {
  return {
    desired: null,
    attempts: 0,
    recoveries: 0,
    lastError: null,
    failedGeneration: null,
    failedReason: null,
    connectingSince: null,
    observeFailures: 0,
    rpcVersion: null,
  }
}

export type Intake = { verdict: 'accepted' } | { verdict: 'stale' | 'duplicate'; current: number }

/**
 * Orders desired by generation: a newer one replaces the current one and resets the per-generation counters;
 * an older one is stale and the same one a duplicate (both ignored: a retained desired is re-delivered on every
 * reconnect).
 */
export function intakeDesired(memory: ReconcileMemory, desired: Desired): Intake {
  const current = memory.desired?.generation ?? 0
  if (desired.generation < current) return { verdict: 'stale', current }
  if (desired.generation === current) return { verdict: 'duplicate', current }
  memory.desired = desired
  memory.attempts = 0
  memory.recoveries = 0
  memory.lastError = null
  memory.failedGeneration = null
  memory.failedReason = null
  return { verdict: 'accepted' }
}
