import type { TrustedRootHash } from '../../schemas/index.ts'
import { AmtError, type AmtInfo } from '../amt/port.ts'
import type { ReconcileContext } from './context.ts'
import { toRpcError } from './failure.ts'

/** Attempts per firmware before the agent stops asking (until the firmware or the agent process changes). */
const MAX_ATTEMPTS = 3

/**
 * AMT's trusted root certificate hashes for the capability report (ACM eligibility, docs/policy.md). `amtinfo
 * -cert` costs one ME call per hash, so it runs once per firmware, not every pass; a failure (rpc error, garbage
 * output) is logged and retried on the next passes, at most MAX_ATTEMPTS times. Null: not read (the report leaves
 * the field out).
 */
export async function trustedRootHashes(
  ctx: Pick<ReconcileContext, 'amt' | 'memory' | 'log'>,
  info: AmtInfo,
): Promise<TrustedRootHash[] | null> {
  const firmware = `${info.amtVersion}+${info.buildNumber}`
  let known = ctx.memory.rootHashes
  if (known?.firmware !== firmware) {
    known = { firmware, hashes: null, failures: 0 }
    ctx.memory.rootHashes = known
  }
  if (known.hashes !== null || known.failures >= MAX_ATTEMPTS) return known.hashes
  try {
    known.hashes = await ctx.amt.certificateHashes()
    ctx.log.info({ firmware, hashes: known.hashes.length }, 'AMT trusted root hashes read')
  } catch (err) {
    if (!(err instanceof AmtError)) throw err
    known.failures += 1
    ctx.log.warn(
      { err: toRpcError(err), firmware, attempt: known.failures, maxAttempts: MAX_ATTEMPTS },
      'AMT trusted root hashes unreadable: reported without them',
    )
  }
  return known.hashes
}
