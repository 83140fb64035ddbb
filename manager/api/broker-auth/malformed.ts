import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody, handleError, toApiError } from '../error-handler.ts'

type ErrorHandler = (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply

/**
 * The error handler of one broker's routes: a request its broker should never send (not JSON, a body that misses
 * what the routes read) is answered 400 with the broker's own refusal (`refusal`) and the catalogue's code and
 * message (VALIDATION_FAILED with the paths at fault, or MALFORMED_JSON; never a value). Every other failure is the
 * API's usual answer (401, 403, 503 …), which the brokers treat as "no decision" (docs/external-brokers.md).
 */
export function answerMalformedWith(refusal: Record<string, unknown>): ErrorHandler {
  return (err, request, reply) => {
    const apiError = toApiError(err)
    if (apiError.status !== 400) return handleError(err, request, reply)
    request.log.info({ code: apiError.code, status: 400 }, 'broker-auth request malformed: refused')
    return reply
      .code(400)
      .type('application/json')
      .send({ ...refusal, ...errorBody(apiError, request.id) })
  }
}
