import type { Desired, RpcError, TrustedRootHash } from '../../schemas/index.ts'
import type { RpcVersion } from '../amt/port.ts'

/** What the agent knows of AMT's trusted root hashes for one firmware (amtVersion + buildNumber; root-hashes.ts). */
interface RootHashesMemory {
  firmware: string
  hashes: TrustedRootHash[] | null
  failures: number
}

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
  /** The generation whose password rotation (desired rotationId) ran: once per generation. */
  rotatedGeneration: number | null
  /** AMT's trusted root hashes, read once per firmware (root-hashes.ts). */
  rootHashes: RootHashesMemory | null
  /** Aborted (with a SupersededError) when a newer generation is accepted: ends waits planned for the old one. */
  generation: AbortController
}

/** The plan of a generation was abandoned because a newer one arrived: the latest generation wins. */
export class SupersededError extends Error {
  readonly generation: number
  readonly latest: number

  constructor(generation: number, latest: number) {
    super(`desired generation ${generation} superseded by generation ${latest}`)
    this.name = 'SupersededError'
    this.generation = generation
    this.latest = latest
  }
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
    rotatedGeneration: null,
    rootHashes: null,
    generation: new AbortController(),
  }
}

export type Intake = { verdict: 'accepted' } | { verdict: 'stale' | 'duplicate'; current: number }

/**
 * Orders desired by generation: a newer one replaces the current one and resets the per-generation counters;
 * an older one is stale and the same one a duplicate (both ignored: a retained desired is re-delivered on every
 * reconnect). Accepting a newer one aborts the waits of the previous one (memory.generation).
 */
export function intakeDesired(memory: ReconcileMemory, desired: Desired): Intake {
  const current = memory.desired?.generation ?? 0
  if (desired.generation < current) return { verdict: 'stale', current }
  if (desired.generation === current) return { verdict: 'duplicate', current }
  memory.generation.abort(new SupersededError(current, desired.generation))
  memory.generation = new AbortController()
  memory.desired = desired
  memory.attempts = 0
  memory.recoveries = 0
  memory.lastError = null
  memory.failedGeneration = null
  memory.failedReason = null
  return { verdict: 'accepted' }
}

/** Throws SupersededError when `generation` is no longer the latest accepted one (checked before acting). */
export function assertLatest(memory: ReconcileMemory, generation: number): void {
  const latest = memory.desired?.generation ?? 0
  if (latest !== generation) throw new SupersededError(generation, latest)
}
