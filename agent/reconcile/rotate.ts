import { rotationUnsupported } from '../amt/port.ts'
import type { ReconcileContext } from './context.ts'
import type { Target } from './decide.ts'
import { toRpcError } from './failure.ts'
import { assertLatest, SupersededError } from './memory.ts'
import { withPasswordCandidates } from './password-candidates.ts'

/**
 * An AMT password rotation (desired `rotationId`, docs/credentials.md "Rotation"), once per generation, on a node
 * provisioned at it:
 *   refuse on rpc v2 → ask secret/req purpose rotate (current + new) → `rpc configure amtpassword` (current in
 *   AMT_PASSWORD, new in RPC_NEWAMTPASSWORD), with the password candidates when AMT refuses the current one →
 *   confirm: the same command authenticated with the new password (AMT answers 401 to any other) → report
 *   `rotation.confirmed` or `rotation.failed` with the rotation id.
 * Never retried blindly: one attempt per generation; a failure is the manager's to settle (it makes the old password
 * current again). No password in events, logs or argv.
 */
export async function rotatePassword(ctx: ReconcileContext, target: Target & { rotationId: string }): Promise<void> {
  const { generation, rotationId } = target
  ctx.memory.rotatedGeneration = generation
  try {
    if (ctx.memory.rpcVersion?.line !== 'v3') throw rotationUnsupported()
    assertLatest(ctx.memory, generation)
    ctx.reporter.event('secret.requested', 'AMT passwords requested for a rotation', {
      generation,
      detail: { rotationId },
    })
    const signal = AbortSignal.any([ctx.signal, ctx.memory.generation.signal])
    const first = await ctx.secrets.requestCandidate({ purpose: 'rotate', generation, signal, candidate: 0 })
    const newSecret = first.newSecret
    if (newSecret === undefined) throw new Error('the manager answered the rotation without a new password')
    const change = (password: string) => run(ctx, generation, 'change', { password, newPassword: newSecret.reveal() })
    await withPasswordCandidates(ctx, { generation, first, purpose: 'rotate' }, change)
    const confirmed = newSecret.reveal()
    await run(ctx, generation, 'confirm', { password: confirmed, newPassword: confirmed })
    ctx.reporter.event('rotation.confirmed', 'AMT password changed and confirmed', {
      generation,
      detail: { rotationId },
    })
    ctx.log.info({ generation, rotationId }, 'AMT password rotated')
  } catch (err) {
    if (ctx.signal.aborted) throw err
    if (err instanceof SupersededError) throw err
    const error = toRpcError(err)
    ctx.reporter.event('rotation.failed', error.message, {
      generation,
      detail: { rotationId, code: error.code, name: error.name, class: error.class },
    })
    ctx.log.warn({ generation, rotationId, error }, 'AMT password rotation failed')
  }
}

/** One `configure amtpassword` call with rpc.started / rpc.finished / rpc.failed events (step change or confirm). */
async function run(
  ctx: ReconcileContext,
  generation: number,
  step: 'change' | 'confirm',
  request: { password: string; newPassword: string },
): Promise<void> {
  ctx.signal.throwIfAborted()
  assertLatest(ctx.memory, generation)
  const operation = `configure amtpassword (${step})`
  ctx.reporter.event('rpc.started', `rpc ${operation} started`, { generation, detail: { operation } })
  try {
    await ctx.amt.changePassword(request)
  } catch (err) {
    if (ctx.signal.aborted) throw err
    const error = toRpcError(err)
    ctx.reporter.event('rpc.failed', error.message, {
      generation,
      detail: { operation, code: error.code, name: error.name, class: error.class },
    })
    throw err
  }
  ctx.reporter.event('rpc.finished', `rpc ${operation} finished`, { generation, detail: { operation } })
}
