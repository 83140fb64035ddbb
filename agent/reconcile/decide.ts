import type { ErrorClass, ObservedControlMode, RasRemoteStatus } from '../../schemas/index.ts'
import { backoffDelay } from '../../lib/backoff.ts'

/** What observe saw, reduced to what a decision needs. */
export interface Observed {
  capable: boolean
  /** Why the node is not capable. */
  reason?: string
  controlMode: ObservedControlMode
  remoteStatus: RasRemoteStatus | null
}

/** The latest accepted desired, with the RPS URL and profile resolved (desired wins over config defaults). */
export interface Target {
  generation: number
  state: 'PROVISIONED' | 'UNPROVISIONED'
  /** The mode to activate in (desired.controlMode); ACM on a node in CCM is an upgrade: deactivate, then activate. */
  controlMode?: 'ACM' | 'CCM'
  rpsUrl?: string
  profile?: string
  dnsSuffix?: string
  /** The operator forces a local deactivation when RPS cannot do it (desired.localDeactivation). */
  localDeactivation?: boolean
  /** A password rotation asked for at this generation (desired.rotationId), run once the node is PROVISIONED. */
  rotationId?: string
}

interface DecideLimits {
  maxAttempts: number
  maxRecoveries: number
  stuckConnectingMs: number
}

export interface DecideInput {
  target: Target | null
  observed: Observed
  /** Failed attempts so far for this generation. */
  attempts: number
  /** Recoveries so far for this generation. */
  recoveries: number
  /** Since when AMT has been seen `connecting` (set at activation, or at the first observation). */
  connectingSince: number | null
  now: number
  /** The generation that ended FAILED: it stays FAILED until a newer generation arrives. */
  failedGeneration: number | null
  limits: DecideLimits
}

export type Decision =
  | { action: 'none'; phase: 'PROVISIONED' | 'UNPROVISIONED' | 'FAILED'; recheckAt?: number; reason?: string }
  | { action: 'activate' }
  | { action: 'deactivate' }
  | { action: 'recover'; reason: string }
  | { action: 'fail'; reason: string }
  | { action: 'not-supported'; reason: string }

const isActivated = (mode: ObservedControlMode) => mode === 'CCM' || mode === 'ACM'

/** The reconciler's one decision, pure: desired vs observed → what to do now. */
export function decide(input: DecideInput): Decision {
  const { target, observed, limits } = input
  if (!observed.capable) return { action: 'not-supported', reason: observed.reason ?? 'the node has no AMT or ISM' }
  if (target === null) return observedPhase(observed)
  if (input.failedGeneration === target.generation) return { action: 'none', phase: 'FAILED' }
  if (observed.controlMode === 'UNKNOWN') return { action: 'fail', reason: 'AMT reports an unknown control mode' }

  const exhausted = input.attempts >= limits.maxAttempts
  const giveUp: Decision = { action: 'fail', reason: `gave up after ${input.attempts} failed attempts` }

  if (target.state === 'UNPROVISIONED') {
    if (!isActivated(observed.controlMode)) return { action: 'none', phase: 'UNPROVISIONED' }
    return exhausted ? giveUp : { action: 'deactivate' }
  }

  const missing = missingActivationInput(target)
  if (!isActivated(observed.controlMode)) {
    if (exhausted) return giveUp
    return missing ? { action: 'fail', reason: missing } : { action: 'activate' }
  }
  if (target.controlMode === 'ACM' && observed.controlMode === 'CCM') return upgrade(input, missing)
  if (observed.remoteStatus !== 'connecting') return { action: 'none', phase: 'PROVISIONED' }

  const since = input.connectingSince ?? input.now
  const stuckAt = since + limits.stuckConnectingMs
  if (input.now < stuckAt) return { action: 'none', phase: 'PROVISIONED', recheckAt: stuckAt }
  const stuckFor = `AMT stuck connecting for ${Math.round((input.now - since) / 1000)} s`
  if (input.recoveries >= limits.maxRecoveries)
    return { action: 'fail', reason: `${stuckFor} after ${input.recoveries} recoveries` }
  if (exhausted) return giveUp
  if (missing) return { action: 'fail', reason: `${stuckFor}; cannot recover: ${missing}` }
  return { action: 'recover', reason: stuckFor }
}

/**
 * Desired ACM on a node provisioned in CCM (a policy's CCM fallback that became ACM-eligible): the upgrade is a
 * deactivation then an ACM activation — the recover operation, bounded by reconcile.maxRecoveries like it. Never the
 * other way: a node in ACM asked for CCM stays in ACM (a downgrade is an operator's deactivation).
 */
function upgrade(input: DecideInput, missing: string | undefined): Decision {
  const reason = 'AMT is in CCM, desired ACM: deactivating to activate in ACM'
  if (missing) return { action: 'fail', reason: `${reason}; cannot: ${missing}` }
  if (input.recoveries >= input.limits.maxRecoveries)
    return { action: 'fail', reason: `still in CCM after ${input.recoveries} upgrades to ACM` }
  return { action: 'recover', reason }
}

function observedPhase(observed: Observed): Decision {
  if (isActivated(observed.controlMode)) return { action: 'none', phase: 'PROVISIONED' }
  if (observed.controlMode === 'UNKNOWN')
    return { action: 'none', phase: 'UNPROVISIONED', reason: 'AMT reports an unknown control mode' }
  return { action: 'none', phase: 'UNPROVISIONED' }
}

function missingActivationInput(target: Target): string | undefined {
  if (!target.rpsUrl) return 'no RPS URL: set rpsUrl in desired or rps.url in the agent config'
  if (!target.profile) return 'no profile: set profileName in desired or rps.profile in the agent config'
  return undefined
}

export interface RetryPolicy {
  maxAttempts: number
  retryBaseMs: number
  retryMaxMs: number
  random?: () => number
}

export type FailureDecision = { action: 'retry'; delayMs: number } | { action: 'fail' }

/** After a failed attempt (attempts already counts it): transient errors retry with backoff until the bound. */
export function decideAfterFailure(errorClass: ErrorClass, attempts: number, policy: RetryPolicy): FailureDecision {
  if (errorClass === 'permanent' || attempts >= policy.maxAttempts) return { action: 'fail' }
  const delayMs = backoffDelay(attempts - 1, {
    baseMs: policy.retryBaseMs,
    maxMs: policy.retryMaxMs,
    random: policy.random,
  })
  return { action: 'retry', delayMs }
}
