import { change, type Handler } from './change.ts'
import { SECRET_NOT_NEEDED, secretRefusal } from './secret-need.ts'

/**
 * secret/req → answered after the report is stored (ordering and host checks first) when an operation of the
 * host needs the password (secret-need.ts), else refused; both audited (security class). Nothing on the host changes.
 * A `candidate` (another known password, after AMT refused one) follows the same rule: answered only while needed.
 */
export const handleSecretRequest: Handler<'secret/req'> = (host, facts) => {
  const asked = {
    purpose: facts.purpose,
    generation: facts.generation,
    ...(facts.candidate === undefined ? {} : { candidate: facts.candidate }),
  }
  const refusal = secretRefusal(host, facts)
  if (refusal === null) {
    const rotation = facts.purpose === 'rotate' && host.rotation ? { newVersion: host.rotation.newVersion } : undefined
    const effect = { kind: 'answer-secret' as const, request: facts, ...(rotation ? { rotation } : {}) }
    return change({}, [{ kind: 'password.requested', detail: asked }], [effect])
  }
  const reason = `${SECRET_NOT_NEEDED}: ${refusal}`
  return change(
    {},
    [{ kind: 'password.refused', detail: { ...asked, reason } }],
    [{ kind: 'refuse-secret', request: facts, reason }],
  )
}
