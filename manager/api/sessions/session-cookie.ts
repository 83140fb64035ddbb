import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SessionStore } from './session-store.ts'

/**
 * The session cookie (@fastify/cookie parses and writes it): HttpOnly (page scripts never see it), SameSite=Strict
 * (no other site's page sends it), Path=/ (the console and the JSON API it calls), no Max-Age (it ends with the
 * browser; the store ends it sooner). Secure when the request came over TLS, or always with
 * `api.console.secureCookie` (behind a TLS-terminating proxy: the API listener itself speaks plain HTTP).
 */
const SESSION_COOKIE = 'amt_session'

const BASE = { httpOnly: true, sameSite: 'strict', path: '/' } as const

/** The session id the request's cookie carries, if any. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const id = request.cookies[SESSION_COOKIE]
  return id === undefined || id === '' ? undefined : id
}

export function setSessionCookie(reply: FastifyReply, sessions: SessionStore, id: string): FastifyReply {
  const secure = sessions.secureCookie || reply.request.protocol === 'https'
  return reply.setCookie(SESSION_COOKIE, id, { ...BASE, secure })
}

export function clearSessionCookie(reply: FastifyReply, sessions: SessionStore): FastifyReply {
  const secure = sessions.secureCookie || reply.request.protocol === 'https'
  return reply.clearCookie(SESSION_COOKIE, { ...BASE, secure })
}
