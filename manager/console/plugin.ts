import formBody from '@fastify/formbody'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { canSeeTenant, identify } from '../api/auth.ts'
import { toApiError } from '../api/error-handler.ts'
import { assertCsrf, CSRF_HEADER } from '../api/sessions/csrf.ts'
import { isGlobal } from '../api/tokens/api-token.ts'
import type { ConsoleContext } from './context.ts'
import { pageFrame } from './page-frame.ts'
import { MessagePage } from './pages/message-page.tsx'
import { TenantsPage } from './pages/tenants-page.tsx'
import { CONSOLE_PREFIX, consolePaths } from './paths.ts'
import { sendPage } from './render.ts'
import { assetRoutes } from './routes/assets.ts'
import { hostPageRoutes } from './routes/host-page.ts'
import { signInRoutes } from './routes/sign-in.ts'
import { groupRoutes } from './routes/groups.ts'
import { rolloutRoutes } from './routes/rollouts.ts'
import { hostsTableRoutes } from './routes/hosts-table.ts'
import { overviewRoutes } from './routes/overview.ts'
import { signOutRoutes } from './routes/sign-out.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console route anyone may load (sign-in, assets); every other console route needs a signed-in caller. */
    consolePublic?: boolean
  }
}

/**
 * The web console under /console: server-rendered pages (preact-render-to-string) on the same server, Inventory
 * and core as the API. The pages only read; every action the page script takes is a call to the JSON API, so
 * roles, validation and audit are the API's. Callers are identified as the API identifies them (api/auth.ts: a
 * Bearer token, or the session cookie the sign-in form opens); an anonymous caller of a page is sent to the sign-in
 * page. Forms post url-encoded (sign-in, sign-out); a state-changing request of a session needs its CSRF token
 * (the `x-csrf-token` header or the form's `_csrf` field).
 */
export function consolePlugin(ctx: ConsoleContext): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.consolePublic === true) return
      const caller = await identify(ctx, request)
      if (caller === null) return reply.redirect(consolePaths.signIn, 303)
      request.principal = caller.principal
      request.consoleSession = caller.session
      const { tenantId } = (request.params ?? {}) as { tenantId?: unknown }
      if (typeof tenantId === 'string' && !canSeeTenant(request.principal, tenantId))
        return notFound(ctx, request, reply)
    })
    app.addHook('preHandler', (request, _reply, done) => {
      const form = request.body as { _csrf?: unknown } | undefined
      assertCsrf(request, request.headers[CSRF_HEADER] ?? form?._csrf)
      done()
    })
    app.setErrorHandler((err, request, reply) => {
      const apiError = toApiError(err)
      if (apiError.status >= 500) request.log.error({ err, code: apiError.code }, 'console page failed')
      const title = apiError.status === 404 ? 'Not found' : 'Something went wrong'
      const principal = request.principal ?? undefined
      const page = MessagePage({
        assets: ctx.assets,
        title,
        message: apiError.message,
        ...(principal ? { principal } : {}),
      })
      return sendPage(reply, page, apiError.status)
    })
    app.setNotFoundHandler((request, reply) => notFound(ctx, request, reply))

    await app.register(formBody, { bodyLimit: 16 * 1024 })
    await app.register(assetRoutes(ctx.assets))
    await app.register(signInRoutes(ctx))
    await app.register(hostPageRoutes(ctx))
    await app.register(signOutRoutes(ctx))

    app.get('/', async (request, reply) => {
      const principal = pageFrame(request, ctx.assets).principal
      return reply.redirect(isGlobal(principal) ? consolePaths.tenants : consolePaths.overview(principal.tenant), 303)
    })

    app.get('/tenants', async (request, reply) => {
      const frame = pageFrame(request, ctx.assets)
      if (!isGlobal(frame.principal)) return reply.redirect(consolePaths.overview(frame.principal.tenant), 303)
      return sendPage(reply, TenantsPage({ frame, tenants: await ctx.inventory.listTenants() }))
    })
    await app.register(overviewRoutes(ctx))
    await app.register(hostsTableRoutes(ctx))
    await app.register(rolloutRoutes(ctx))
    await app.register(groupRoutes(ctx))
  }
  return async (app) => void (await app.register(plugin, { prefix: CONSOLE_PREFIX }))
}

function notFound(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const principal = request.principal ?? undefined
  const message = 'There is nothing here, or it is not yours to see.'
  const page = MessagePage({ assets: ctx.assets, title: 'Not found', message, ...(principal ? { principal } : {}) })
  return sendPage(reply, page, 404)
}
