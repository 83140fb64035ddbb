import type { FastifyPluginCallback } from 'fastify'
import type { ConsoleContext } from '../context.ts'
import { SignInPage } from '../pages/sign-in-page.tsx'
import { sendPage } from '../render.ts'

/** GET /console/sign-in: the form that exchanges an API token for a session. */
export function signInRoutes(ctx: ConsoleContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get('/sign-in', { config: { consolePublic: true } }, async (_request, reply) =>
      sendPage(reply, SignInPage({ assets: ctx.assets })),
    )
    done()
  }
}
