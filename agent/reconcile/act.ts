import type { ObservedControlMode } from '../../schemas/index.ts'
import type { AmtInfo } from '../amt/port.ts'
import type { SecretAnswer } from '../secret-request.ts'
import { confirmActivated, confirmDeactivated } from './confirm.ts'
import type { ReconcileContext } from './context.ts'
import type { Target } from './decide.ts'
import { NotPossibleError, toRpcError } from './failure.ts'
import { assertLatest, SupersededError } from './memory.ts'
import { withPasswordCandidates } from './password-candidates.ts'
import { reportPhase } from './report.ts'

/**
 * The act steps. Each reports its in-progress phase first, runs rpc (one process at a time, through the Amt
 * port), then confirms with a fresh amtinfo: exit 0 alone is never success. They throw on failure; the pass
 * turns the error into a retry or FAILED.
 */

export async function activate(ctx: ReconcileContext, target: Target, observed: AmtInfo | null): Promise<AmtInfo> {
  reportPhase(ctx, { phase: 'ACTIVATING', generation: target.generation, info: observed })
  const { config } = ctx
  await runRpc(ctx, 'activate', target.generation, () =>
    ctx.amt.activate({
      rpsUrl: target.rpsUrl ?? '',
      profile: target.profile ?? '',
      skipCertCheck: config.rpc.skipCertCheck,
      ...(config.rps.tenant !== undefined ? { tenant: config.rps.tenant } : {}),
      ...(config.secrets.rpsToken ? { token: config.secrets.rpsToken.reveal() } : {}),
      ...(target.dnsSuffix !== undefined ? { dnsSuffix: target.dnsSuffix } : {}),
    }),
  )
  const confirmed = await confirmActivated(ctx)
  ctx.memory.connectingSince = confirmed.ras?.remoteStatus === 'connecting' ? ctx.now() : null
  return confirmed
}

/**
 * Deactivation goes through RPS (which keeps its and MPS's records in sync) with the AMT password from the manager.
 * Never silently without RPS: only when the operator forces it (desired.localDeactivation) does the agent fall back
 * to `rpc deactivate -local` (CCM without a password, ACM with it) when RPS or the password is unavailable, and
 * says so in an event. Otherwise a missing RPS URL, password or RPS failure is a failed attempt (retried, then FAILED).
 */
export async function deactivate(ctx: ReconcileContext, target: Target, observed: AmtInfo): Promise<AmtInfo> {
  reportPhase(ctx, { phase: 'DEACTIVATING', generation: target.generation, info: observed })
  const { rpsUrl, localDeactivation = false } = target
  if (rpsUrl === undefined && !localDeactivation) {
    throw new NotPossibleError(
      "no RPS URL to deactivate through (desired rpsUrl or rps.url); a local deactivation needs an operator's force",
    )
  }
  const mode = observed.controlMode
  const first = await obtainPassword(ctx, target, mode)
  assertLatest(ctx.memory, target.generation) // the wait may have outlived the plan
  const { generation } = target
  const skipCertCheck = ctx.config.rpc.skipCertCheck
  let remoteError: unknown = null
  if (rpsUrl !== undefined && first) {
    try {
      await withPasswordCandidates(ctx, { generation, first }, (password) =>
        runRpc(ctx, 'deactivate', generation, () => ctx.amt.deactivate({ rpsUrl, skipCertCheck, password })),
      )
    } catch (err) {
      if (!localDeactivation || err instanceof SupersededError) throw err
      remoteError = err
    }
  }
  if (remoteError !== null || rpsUrl === undefined || !first) {
    const why =
      remoteError !== null
        ? `RPS deactivation failed (${toRpcError(remoteError).name})`
        : rpsUrl === undefined
          ? 'no RPS URL'
          : 'no AMT password'
    ctx.reporter.event(
      'deactivation.local',
      `${why}: deactivating locally as the operator forced; RPS/MPS records stay behind`,
      {
        generation,
        detail: { controlMode: mode },
      },
    )
    ctx.log.warn({ why, generation }, 'forced local deactivation')
    const local = (password?: string) =>
      runRpc(ctx, 'deactivate-local', generation, () =>
        ctx.amt.deactivate({ skipCertCheck, ...(password === undefined ? {} : { password }) }),
      )
    if (first) await withPasswordCandidates(ctx, { generation, first }, local)
    else await local()
  }
  ctx.memory.connectingSince = null
  return confirmDeactivated(ctx)
}

/** Stuck `connecting`: deactivate, then activate again (bounded by reconcile.maxRecoveries per generation). */
export async function recover(
  ctx: ReconcileContext,
  target: Target,
  observed: AmtInfo,
  reason: string,
): Promise<AmtInfo> {
  ctx.memory.recoveries += 1
  ctx.reporter.event('recovery.started', `${reason}: deactivating and activating again`, {
    generation: target.generation,
    detail: { recovery: ctx.memory.recoveries, maxRecoveries: ctx.config.reconcile.maxRecoveries },
  })
  ctx.log.warn({ reason, recovery: ctx.memory.recoveries }, 'recovering AMT stuck connecting')
  const deactivated = await deactivate(ctx, target, observed)
  return activate(ctx, target, deactivated)
}

/**
 * The AMT password for a deactivation (candidate 0, the current one), from the manager (secret/req → secret/res; re-sent on every reconnect and
 * with backoff until answered, refused, timed out, or the generation is superseded). Unavailable → the attempt
 * fails, except for a forced local deactivation of a CCM device, which needs no password.
 */
async function obtainPassword(
  ctx: ReconcileContext,
  target: Target,
  mode: ObservedControlMode,
): Promise<SecretAnswer | null> {
  const { generation } = target
  assertLatest(ctx.memory, generation)
  ctx.reporter.event('secret.requested', 'AMT password requested for deactivation', { generation })
  const signal = AbortSignal.any([ctx.signal, ctx.memory.generation.signal])
  try {
    return await ctx.secrets.requestCandidate({ purpose: 'deactivate', generation, signal, candidate: 0 })
  } catch (err) {
    if (ctx.signal.aborted || err instanceof SupersededError) throw err
    const error = toRpcError(err)
    ctx.reporter.event('secret.failed', error.message, { generation, detail: { name: error.name } })
    if (target.localDeactivation === true && mode === 'CCM') return null
    throw err
  }
}

/** Runs one rpc operation (only for the latest desired generation) with rpc.started / rpc.finished / rpc.failed events around it. */
async function runRpc(
  ctx: ReconcileContext,
  operation: string,
  generation: number,
  call: () => Promise<void>,
): Promise<void> {
  ctx.signal.throwIfAborted()
  assertLatest(ctx.memory, generation) // the latest generation wins at the moment of acting
  ctx.reporter.event('rpc.started', `rpc ${operation} started`, { generation, detail: { operation } })
  ctx.log.info({ operation, generation }, 'rpc started')
  try {
    await call()
  } catch (err) {
    if (ctx.signal.aborted) throw err
    const error = toRpcError(err)
    ctx.reporter.event('rpc.failed', error.message, {
      generation,
      detail: { operation, code: error.code, name: error.name, class: error.class },
    })
    ctx.log.warn({ operation, generation, error }, 'rpc failed')
    throw err
  }
  ctx.reporter.event('rpc.finished', `rpc ${operation} finished`, { generation, detail: { operation } })
  ctx.log.info({ operation, generation }, 'rpc finished')
}
