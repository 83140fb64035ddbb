import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import { sessionIdOf, setSessionCookie } from '../../api/sessions/session-cookie.ts'
import { verifyToken } from '../../api/tokens/api-token.ts'
import type { ConsoleContext } from '../context.ts'
import { SignInPage } from '../pages/sign-in-page.tsx'
import { consolePaths } from '../paths.ts'
import { sendPage } from '../render.ts'

const REFUSED = 'That token was not accepted: it is mistyped, unknown or revoked.'
const FOREIGN = 'Sign in from the console’s own page.'
/** Longer than any API token (amt_<16 hex>_<43 base64url>): a longer value is not read at all. */
const MAX_TOKEN_LENGTH = 256

/**
 * GET /console/sign-in: the form that exchanges an API token for a session. POST /console/sign-in (form-encoded
 * `token`): a valid token opens a session (api/sessions) whose id goes in the HttpOnly cookie, then 303 to the
 * console; any other → the form again, 401, with an error. The token is read from the body only and never logged
 * (the request log has no body). A post from another site's page (its Origin is not this host) is refused: it
 * would sign the browser in as someone else.
 */
export function signInRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get('/sign-in', { config: { consolePublic: true } }, async (_request, reply) =>
      sendPage(reply, SignInPage({ assets: ctx.assets })),
    )
    app.post('/sign-in', { config: { consolePublic: true } }, async (request, reply) => {
      if (!sameOrigin(request)) return sendPage(reply, SignInPage({ assets: ctx.assets, error: FOREIGN }), 403)
      const { token } = (request.body ?? {}) as { token?: unknown }
      const principal =
        typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH
          ? await verifyToken(ctx.tokens, token.trim())
          : null
      if (principal === null) {
        request.log.info('console sign-in refused')
        return sendPage(reply, SignInPage({ assets: ctx.assets, error: REFUSED }), 401)
      }
      const previous = sessionIdOf(request)
      if (previous !== undefined) await ctx.sessions.end(previous)
      const session = await ctx.sessions.create(principal.tokenId)
      request.log.info({ tokenName: principal.name, role: principal.role }, 'console sign-in')
      return setSessionCookie(reply, ctx.sessions, session.id)
        .header('cache-control', 'no-store')
        .redirect(consolePaths.home, 303)
    })
    done()
  }
}

/**
 * The form was posted by a page of this origin. A browser says so in Sec-Fetch-Site (`same-origin`; `none`: typed
 * or bookmarked); one that does not send it is judged by Origin (absent or `null` — the console's Referrer-Policy
 * no-referrer makes browsers send `null` — is let through: it names no other site).
 */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site']
  if (typeof site === 'string') return site === 'same-origin' || site === 'none'
  const origin = request.headers.origin
  if (origin === undefined || origin === 'null') return true
  return URL.canParse(origin) && new URL(origin).host === request.headers.host
}
