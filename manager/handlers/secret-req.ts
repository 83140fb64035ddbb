import { change, type Handler } from './change.ts'

/** secret/req → answered after the report is stored (ordering and host checks first); nothing on the host changes. */
export const handleSecretRequest: Handler<'secret/req'> = (_host, facts) =>
  change({}, [{ kind: 'password.requested', detail: { purpose: facts.purpose, generation: facts.generation } }], [{ kind: 'answer-secret', request: facts }])
