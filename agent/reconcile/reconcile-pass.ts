import type { AmtInfo } from '../amt/port.ts'
import type { CapabilityBody } from '../messages.ts'
import { activate, deactivate, recover } from './act.ts'
import type { ReconcileContext } from './context.ts'
import { decide, decideAfterFailure, type DecideInput, type Decision, type Target } from './decide.ts'
import { ensureLms } from './ensure-lms.ts'
import { toRpcError } from './failure.ts'
import type { PassOutcome } from './loop.ts'
import { SupersededError } from './memory.ts'
import { observe, type Observation } from './observe.ts'
import { reportCapability } from './report-capability.ts'
import { reportPhase } from './report.ts'
import { rotatePassword } from './rotate.ts'

/**
 * One reconcile pass, as named steps:
 *   observe → ensure LMS → report capability → decide → act → confirm → report state.
 * Act and confirm live in act.ts/confirm.ts; decide is pure (decide.ts).
 */
export async function reconcilePass(ctx: ReconcileContext, reason: string): Promise<PassOutcome> {
  ctx.log.debug({ reason }, 'reconcile pass')
  const observed = await observe(ctx)
  ctx.signal.throwIfAborted() // stopping: a call cut short by the shutdown is not a failure to report
  if (!observed.ok) return observationFailed(ctx, observed.error)
  ctx.memory.observeFailures = 0
  const { observation } = observed
  const lms = await ensureLms(ctx, observation)
  reportCapability(ctx, observation, lms)
  trackConnecting(ctx, observation.info)
  const target = currentTarget(ctx)
  const decision = decide(decideInput(ctx, target, observation))
  ctx.log.debug({ decision, generation: target?.generation ?? 0 }, 'decided')
  return carryOut(ctx, decision, target, observation, lms)
}

async function carryOut(
  ctx: ReconcileContext,
  decision: Decision,
  target: Target | null,
  observation: Observation,
  lms: CapabilityBody['lms'],
): Promise<PassOutcome> {
  const generation = target?.generation ?? 0
  const { info } = observation
  switch (decision.action) {
    case 'none': {
      if (decision.phase === 'PROVISIONED' && !(await rotateOnce(ctx, target))) return {}
      const failed = decision.phase === 'FAILED'
      reportPhase(ctx, {
        phase: decision.phase,
        generation,
        info,
        error: failed ? ctx.memory.lastError : null,
        reason: failed ? ctx.memory.failedReason : (decision.reason ?? null),
      })
      return decision.recheckAt !== undefined ? { wakeAt: decision.recheckAt } : {}
    }
    case 'not-supported':
      reportPhase(ctx, {
        phase: 'NOT_SUPPORTED',
        generation,
        info,
        error: observation.noMeError,
        reason: decision.reason,
      })
      return {}
    case 'fail':
      return settleFailed(ctx, generation, info, decision.reason)
    case 'activate':
    case 'deactivate':
    case 'recover':
      if (target === null) return {}
      return operate(ctx, decision, target, observation, lms)
  }
}

/** Runs the act + confirm steps of an operation and reports the outcome. */
async function operate(
  ctx: ReconcileContext,
  decision: Extract<Decision, { action: 'activate' | 'deactivate' | 'recover' }>,
  target: Target,
  observation: Observation,
  lms: CapabilityBody['lms'],
): Promise<PassOutcome> {
  const observed = observation.info
  try {
    let confirmed: AmtInfo
    if (decision.action === 'activate') confirmed = await activate(ctx, target, observed)
    else if (observed === null) throw new Error('cannot deactivate a device that could not be observed')
    else if (decision.action === 'deactivate') confirmed = await deactivate(ctx, target, observed)
    else confirmed = await recover(ctx, target, observed, decision.reason)
    const phase = decision.action === 'deactivate' ? 'UNPROVISIONED' : 'PROVISIONED'
    reportCapability(ctx, { ...observation, info: confirmed }, lms)
    reportPhase(ctx, { phase, generation: target.generation, info: confirmed })
    const since = ctx.memory.connectingSince
    return since !== null ? { wakeAt: since + ctx.config.reconcile.stuckConnectingMs } : {}
  } catch (err) {
    if (ctx.signal.aborted) throw err
    if (err instanceof SupersededError) return superseded(ctx, err, decision.action)
    return operationFailed(ctx, decision.action === 'deactivate' ? 'DEACTIVATING' : 'ACTIVATING', target, observed, err)
  }
}

/**
 * A password rotation the target asks for, once per generation (rotate.ts). False when a newer generation
 * superseded it: nothing is reported for the old one, the next pass acts on the latest.
 */
async function rotateOnce(ctx: ReconcileContext, target: Target | null): Promise<boolean> {
  if (target?.rotationId === undefined || ctx.memory.rotatedGeneration === target.generation) return true
  try {
    await rotatePassword(ctx, { ...target, rotationId: target.rotationId })
    return true
  } catch (err) {
    if (!(err instanceof SupersededError)) throw err
    superseded(ctx, err, 'rotate')
    return false
  }
}

/** A newer generation arrived while acting for an older one: its plan is dropped; the next pass acts on the latest. */
function superseded(ctx: ReconcileContext, err: SupersededError, action: string): PassOutcome {
  ctx.reporter.event(
    'plan.superseded',
    `${action} for generation ${err.generation} abandoned: generation ${err.latest} arrived`,
    {
      generation: err.generation,
      detail: { action, latest: err.latest },
    },
  )
  ctx.log.info({ action, generation: err.generation, latest: err.latest }, 'plan superseded')
  return {} // accepting the newer generation already triggered the next pass
}

/** A failed attempt: transient → retry with backoff within reconcile.maxAttempts; otherwise FAILED. */
function operationFailed(
  ctx: ReconcileContext,
  phase: 'ACTIVATING' | 'DEACTIVATING',
  target: Target,
  observed: AmtInfo | null,
  err: unknown,
): PassOutcome {
  const error = toRpcError(err)
  const { memory, config } = ctx
  memory.attempts += 1
  memory.lastError = error
  const next = decideAfterFailure(error.class, memory.attempts, { ...config.reconcile, random: ctx.random })
  if (next.action === 'fail') return settleFailed(ctx, target.generation, observed, error.message)
  ctx.reporter.event(
    'retry.scheduled',
    `attempt ${memory.attempts} of ${config.reconcile.maxAttempts} failed (${error.name}); retrying`,
    {
      generation: target.generation,
      detail: {
        attempt: memory.attempts,
        maxAttempts: config.reconcile.maxAttempts,
        delayMs: next.delayMs,
        name: error.name,
      },
    },
  )
  ctx.log.info({ error, attempt: memory.attempts, delayMs: next.delayMs }, 'retry scheduled')
  reportPhase(ctx, { phase, generation: target.generation, info: observed, error })
  return { wakeAt: ctx.now() + next.delayMs }
}

/** FAILED for this generation; it stays FAILED until a newer generation arrives. */
function settleFailed(ctx: ReconcileContext, generation: number, info: AmtInfo | null, reason: string): PassOutcome {
  ctx.memory.failedGeneration = generation
  ctx.memory.failedReason = reason
  ctx.log.warn({ generation, reason, error: ctx.memory.lastError }, 'FAILED')
  reportPhase(ctx, { phase: 'FAILED', generation, info, error: ctx.memory.lastError, reason })
  return {}
}

/** amtinfo itself failed (timeout, transient, bad output): retry soon, then report FAILED until a later pass reads it. */
function observationFailed(ctx: ReconcileContext, err: unknown): PassOutcome {
  const error = toRpcError(err)
  const { memory } = ctx
  memory.observeFailures += 1
  const generation = memory.desired?.generation ?? 0
  ctx.reporter.event('rpc.failed', error.message, {
    generation,
    detail: { operation: 'amtinfo', code: error.code, name: error.name, class: error.class },
  })
  ctx.log.warn({ error, failures: memory.observeFailures }, 'observation failed')
  const next = decideAfterFailure(error.class, memory.observeFailures, { ...ctx.config.reconcile, random: ctx.random })
  if (next.action === 'retry') return { wakeAt: ctx.now() + next.delayMs }
  memory.observeFailures = 0
  reportPhase(ctx, { phase: 'FAILED', generation, info: null, error, reason: 'amtinfo could not be read' })
  return {}
}

function decideInput(ctx: ReconcileContext, target: Target | null, { capability, info }: Observation): DecideInput {
  return {
    target,
    observed: {
      capable: capability.capable,
      ...(capability.reason !== undefined ? { reason: capability.reason } : {}),
      controlMode: info?.controlMode ?? 'UNKNOWN',
      remoteStatus: info?.ras?.remoteStatus ?? null,
    },
    attempts: ctx.memory.attempts,
    recoveries: ctx.memory.recoveries,
    connectingSince: ctx.memory.connectingSince,
    now: ctx.now(),
    failedGeneration: ctx.memory.failedGeneration,
    limits: ctx.config.reconcile,
  }
}

function trackConnecting(ctx: ReconcileContext, info: AmtInfo | null): void {
  const activated = info?.controlMode === 'CCM' || info?.controlMode === 'ACM'
  if (activated && info?.ras?.remoteStatus === 'connecting') ctx.memory.connectingSince ??= ctx.now()
  else ctx.memory.connectingSince = null
}

/** The latest desired with the RPS URL and profile resolved: desired wins over the config defaults. */
function currentTarget(ctx: ReconcileContext): Target | null {
  const desired = ctx.memory.desired
  if (desired === null) return null
  const rpsUrl = desired.rpsUrl ?? ctx.config.rps.url
  const profile = desired.profileName ?? ctx.config.rps.profile
  return {
    generation: desired.generation,
    state: desired.state,
    controlMode: desired.controlMode,
    ...(rpsUrl !== undefined ? { rpsUrl } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(desired.dnsSuffix !== undefined ? { dnsSuffix: desired.dnsSuffix } : {}),
    ...(desired.localDeactivation === true ? { localDeactivation: true } : {}),
    ...(desired.rotationId !== undefined ? { rotationId: desired.rotationId } : {}),
  }
}
