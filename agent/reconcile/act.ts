import type { ObservedControlMode } from '../../schemas/index.ts'
import type { AmtInfo } from '../amt/port.ts'
import type { SecretValue } from '../../lib/secret-value.ts'
import { confirmActivated, confirmDeactivated } from './confirm.ts'
import type { ReconcileContext } from './context.ts'
import type { Target } from './decide.ts'
import { toRpcError } from './failure.ts'
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
      ...(ctx.memory.desired?.dnsSuffix !== undefined ? { dnsSuffix: ctx.memory.desired.dnsSuffix } : {}),
    }),
  )
  const confirmed = await confirmActivated(ctx)
  ctx.memory.connectingSince = confirmed.ras?.remoteStatus === 'connecting' ? ctx.now() : null
  return confirmed
}

export async function deactivate(ctx: ReconcileContext, target: Target, observed: AmtInfo): Promise<AmtInfo> {
  reportPhase(ctx, { phase: 'DEACTIVATING', generation: target.generation, info: observed })
  const mode = observed.controlMode
  const password = await obtainPassword(ctx, target.generation, mode)
  const rpsUrl = ctx.memory.desired?.rpsUrl ?? ctx.config.rps.url
  const secret = password ? { password: password.reveal() } : {}
  const skipCertCheck = ctx.config.rpc.skipCertCheck
  let done = false
  if (rpsUrl !== undefined && password) {
    try {
      await runRpc(ctx, 'deactivate', target.generation, () => ctx.amt.deactivate({ rpsUrl, skipCertCheck, ...secret }))
      done = true
    } catch (err) {
      if (mode !== 'CCM') throw err
      ctx.log.warn({ err: toRpcError(err) }, 'remote deactivation failed; falling back to local deactivation (CCM)')
    }
  }
  if (!done) await runRpc(ctx, 'deactivate-local', target.generation, () => ctx.amt.deactivate({ skipCertCheck, ...secret }))
  ctx.memory.connectingSince = null
  return confirmDeactivated(ctx)
}

/** Stuck `connecting`: deactivate, then activate again (bounded by reconcile.maxRecoveries per generation). */
export async function recover(ctx: ReconcileContext, target: Target, observed: AmtInfo, reason: string): Promise<AmtInfo> {
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
 * The AMT password for a deactivation, from the manager (secret/req → secret/res). A CCM device can still be
 * deactivated locally without it, so there an unavailable password is reported and the step carries on.
 */
async function obtainPassword(ctx: ReconcileContext, generation: number, mode: ObservedControlMode): Promise<SecretValue | null> {
  ctx.reporter.event('secret.requested', 'AMT password requested for deactivation', { generation })
  try {
    return await ctx.secrets.request({ purpose: 'deactivate', generation, signal: ctx.signal })
  } catch (err) {
    if (ctx.signal.aborted) throw err
    const error = toRpcError(err)
    ctx.reporter.event('secret.failed', error.message, { generation, detail: { name: error.name } })
    if (mode === 'CCM') return null
    throw err
  }
}

/** Runs one rpc operation with rpc.started / rpc.finished / rpc.failed events around it. */
async function runRpc(ctx: ReconcileContext, operation: string, generation: number, call: () => Promise<void>): Promise<void> {
  ctx.signal.throwIfAborted()
  ctx.reporter.event('rpc.started', `rpc ${operation} started`, { generation, detail: { operation } })
  ctx.log.info({ operation, generation }, 'rpc started')
  try {
    await call()
  } catch (err) {
    if (ctx.signal.aborted) throw err
    const error = toRpcError(err)
    ctx.reporter.event('rpc.failed', error.message, { generation, detail: { operation, code: error.code, name: error.name, class: error.class } })
    ctx.log.warn({ operation, generation, error }, 'rpc failed')
    throw err
  }
  ctx.reporter.event('rpc.finished', `rpc ${operation} finished`, { generation, detail: { operation } })
  ctx.log.info({ operation, generation }, 'rpc finished')
}
