import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ApiError } from '../errors.ts'
import { sha256 } from './session-store.ts'

/**
 * CSRF protection of cookie sessions: a synchronizer token. Each session has its CSRF token (session-store.ts:
 * derived from the session id, stored as its SHA-256 only); the console renders it into its pages (<meta
 * name="csrf-token">, the sign-out form's `_csrf` field) and the page script sends it as `x-csrf-token`. A
 * state-changing request authenticated by the session cookie must carry it; another site's page can make the browser
 * send the cookie (SameSite=Strict already stops that in current browsers) but cannot read the token. Bearer
 * requests carry no ambient credential and need none.
 */
export const CSRF_HEADER = 'x-csrf-token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const changesState = (request: FastifyRequest): boolean => !SAFE_METHODS.has(request.method)

/**
 * Throws CSRF_REJECTED when the request is a state-changing one of a cookie session and `presented` (default: the
 * x-csrf-token header) is not the session's token: its SHA-256 is compared with the stored one in constant time.
 */
export function assertCsrf(request: FastifyRequest, presented: unknown = request.headers[CSRF_HEADER]): void {
  const session = request.consoleSession
  if (session === null || !changesState(request)) return
  if (typeof presented !== 'string' || !sameHash(sha256(presented), session.csrfHash))
    throw new ApiError('CSRF_REJECTED')
}

function sameHash(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
