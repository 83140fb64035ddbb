import type { FastifyPluginCallback } from 'fastify'
import { clearSessionCookie, sessionIdOf } from '../../api/sessions/session-cookie.ts'
import type { ConsoleContext } from '../context.ts'
import { consolePaths } from '../paths.ts'

/**
 * POST /console/sign-out (the layout's form, with the session's CSRF token in `_csrf`: the plugin's preHandler
 * checks it): ends the session, clears the cookie, 303 to the sign-in page. The old cookie opens nothing any more.
 */
export function signOutRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.post('/sign-out', async (request, reply) => {
      const id = sessionIdOf(request)
      if (id !== undefined) await ctx.sessions.end(id)
      request.log.info({ tokenName: request.principal?.name }, 'console sign-out')
      return clearSessionCookie(reply, ctx.sessions)
        .header('cache-control', 'no-store')
        .redirect(consolePaths.signIn, 303)
    })
    done()
  }
}
