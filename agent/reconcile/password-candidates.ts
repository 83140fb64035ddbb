import { setTimeout as sleep } from 'node:timers/promises'
import { MAX_PASSWORD_CANDIDATES } from '../../schemas/wire-rules.ts'
import { AmtError } from '../amt/port.ts'
import type { SecretAnswer, SecretPurpose } from '../secret-request.ts'
import type { ReconcileContext } from './context.ts'
import { assertLatest } from './memory.ts'

/** rpc exit codes that say AMT refused the password: 23 MissingOrIncorrectPassword, 100 AMTAuthenticationFailed. */
const AUTH_FAILURES: ReadonlySet<number> = new Set([23, 100])

/**
 * rpc v3 `configure amtpassword` passes AMT's refusal of the current password up as a plain error, exit 10 with the
 * WS-MAN 401 text (docs/credentials.md "Rotation"): the only exit-10 failure that is a refused password.
 */
const REFUSED_401 = /\b401 unauthorized\b/i

const isAuthFailure = (err: unknown): boolean =>
  err instanceof AmtError &&
  err.code !== null &&
  (AUTH_FAILURES.has(err.code) || (err.code === 10 && REFUSED_401.test(err.message)))

/**
 * Runs an operation that needs the AMT password, with the known candidates (docs/credentials.md): first with the
 * password of `first`; when AMT refuses it (an authentication failure — rpc exit 23/100, or v3's exit 10 with the
 * WS-MAN 401 text — which changed nothing on AMT) and the manager
 * announced a further candidate, it waits `reconcile.retryBaseMs`, asks for the next one and runs the operation again,
 * at most MAX_PASSWORD_CANDIDATES times in all. Any other failure ends it at once (never retried blindly here).
 * Resolves with the answer AMT accepted; when that was not the first, reports `secret.candidate-worked` (which
 * candidate, origin, version; never the password) so that the manager makes it current again.
 * Only for operations that use an existing password: an activation sets the password and is never run with candidates.
 */
export async function withPasswordCandidates(
  ctx: ReconcileContext,
  { generation, first, purpose = 'deactivate' }: { generation: number; first: SecretAnswer; purpose?: SecretPurpose },
  operation: (password: string) => Promise<void>,
): Promise<SecretAnswer> {
  const signal = AbortSignal.any([ctx.signal, ctx.memory.generation.signal])
  let answer = first
  let candidate = 0
  for (;;) {
    try {
      await operation(answer.secret.reveal())
      break
    } catch (err) {
      if (!isAuthFailure(err)) throw err
      if (!answer.more || candidate + 1 >= MAX_PASSWORD_CANDIDATES) throw allRefused(err, candidate + 1)
    }
    candidate += 1
    ctx.reporter.event('secret.requested', `AMT refused the password; asking for candidate ${candidate}`, {
      generation,
      detail: { candidate },
    })
    ctx.log.warn({ generation, candidate }, 'AMT refused the password: trying the next known one')
    await sleep(ctx.config.reconcile.retryBaseMs, undefined, { signal }).catch((err: unknown) => {
      throw signal.aborted ? signal.reason : err // a SupersededError when a newer generation arrived
    })
    assertLatest(ctx.memory, generation)
    answer = await ctx.secrets.requestCandidate({ purpose, generation, candidate, signal })
  }
  if (candidate > 0) {
    const { origin = 'host', version } = answer
    ctx.reporter.event('secret.candidate-worked', `AMT accepted password candidate ${candidate} (${origin})`, {
      generation,
      detail: { candidate, origin, ...(version === undefined ? {} : { version }) },
    })
    ctx.log.info({ generation, candidate, origin, version }, 'AMT accepted an older password')
  }
  return answer
}

/** The error after the last candidate was refused too: as rpc's, with how many were tried (no password in it). */
function allRefused(last: unknown, tried: number): unknown {
  if (tried === 1 || !(last instanceof AmtError)) return last
  return new AmtError({
    code: last.code,
    codeName: last.codeName,
    errorClass: 'permanent',
    message: `AMT refused every known password (${tried} tried: the current one, older versions, the tenant's)`,
  })
}
