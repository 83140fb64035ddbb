import type { CapabilityBody } from '../messages.ts'
import type { LmsState } from '../services/port.ts'
import type { ReconcileContext } from './context.ts'
import type { Observation } from './observe.ts'

/**
 * The ensure-LMS step. LMS and the MEI module stay untouched on a node that is not capable (or when the config
 * says lms.manage=false). On a capable node: when LMS is not active, load mei_me and enable + start LMS; a failure
 * is reported as an event and tried again on the next pass. Returns the LMS state for `capability`.
 */
export async function ensureLms(ctx: ReconcileContext, observation: Observation): Promise<CapabilityBody['lms']> {
  if (!observation.capability.capable || !ctx.config.lms.manage) return 'not-managed'
  const before = await readLmsState(ctx)
  if (before === 'active') return before
  ctx.signal.throwIfAborted()
  try {
    await ctx.services.ensureMei()
    await ctx.services.enableLms()
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    ctx.reporter.event('lms.failed', `enabling LMS failed: ${message}`, { detail: { lms: before } })
    ctx.log.warn({ err, lms: before }, 'enabling LMS failed; will retry on the next pass')
    return readLmsState(ctx)
  }
  const after = await readLmsState(ctx)
  ctx.reporter.event('lms.enabled', 'MEI loaded and LMS enabled', { detail: { lms: after } })
  ctx.log.info({ lms: after }, 'LMS enabled')
  return after
}

async function readLmsState(ctx: ReconcileContext): Promise<LmsState> {
  try {
    return await ctx.services.lmsState()
  } catch (err) {
    ctx.log.warn({ err }, 'LMS state unknown')
    return 'unknown'
  }
}
