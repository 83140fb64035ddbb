import cookie from '@fastify/cookie'
import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import { serializerCompiler, validatorCompiler, type FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import type { Registry } from 'prom-client'
import { REDACT_PATHS, type Logger } from '../../lib/log.ts'
import { createAuthHook } from './auth.ts'
import type { ApiContext } from './context.ts'
import { docsUiOptions } from './docs-ui.ts'
import { ApiError } from './errors.ts'
import { handleError } from './error-handler.ts'
import { httpMetricsHook } from './http-metrics.ts'
import { pruneComponents, swaggerOptions } from './openapi.ts'
import { requestLogView } from './request-log.ts'
import { securityHeaderOptions } from './security-headers.ts'
import { SessionStore } from './sessions/session-store.ts'
import { apiServerTimeouts, DEFAULT_API_LIMITS, guardApiSockets } from './socket-limits.ts'
import { HostChangeStreamLimits, type ApiConnectionLimits } from '../config/schema.ts'
import { combineChecks, inventoryCheck, type Readiness } from './readiness.ts'
import { healthRoutes } from './routes/health.ts'
import { hostAcmRoutes } from './routes/host-acm.ts'
import { hostAmtRoutes } from './routes/host-amt.ts'
import { hostEventRoutes } from './routes/host-events.ts'
import { hostChangeRoutes } from './routes/host-changes.ts'
import { HostChangeStreams } from './host-change-streams.ts'
import { streamMetrics } from '../metrics/stream-metrics.ts'
import { hostPasswordRoutes } from './routes/host-password.ts'
import { hostPowerRoutes } from './routes/host-power.ts'
import { hostSummaryRoutes } from './routes/host-summary.ts'
import { hostPolicyRoutes } from './routes/host-policy.ts'
import { groupRoutes } from './routes/groups.ts'
import { hostRoutes } from './routes/hosts.ts'
import { rolloutRoutes } from './routes/rollouts.ts'
import { rotationRolloutRoutes } from './routes/rotation-rollout.ts'
import { policyRolloutRoutes } from './routes/policy-rollouts.ts'
import { tenantAcmCertificateRoutes } from './routes/tenant-acm-certificate.ts'
import { tenantDmtRoutes } from './routes/tenant-dmt.ts'
import { tenantRoutes } from './routes/tenants.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { API_PREFIX } from './server-paths.ts'
import { BROKER_AUTH_PREFIX, brokerAuthPlugin, type BrokerAuthEndpoint } from './broker-auth/plugin.ts'

export type { ApiContext } from './context.ts'
export { API_PREFIX } from './server-paths.ts'

export interface ApiServerDeps extends ApiContext {
  /** The manager's Prometheus registry (manager/metrics/metrics.ts); HTTP request metrics are added to it. */
  metrics: Registry
  /** /readyz; default: Inventory answers. main() passes Inventory + MQTT bus checks. */
  readiness?: Readiness
  /** Largest accepted request body in bytes; default 1 MiB. */
  bodyLimit?: number
  /** Config `api.limits`: timeouts and socket caps; default DEFAULT_API_LIMITS. */
  limits?: ApiConnectionLimits
  /** Config `api.hostChanges`: caps, buffer bound, heartbeat of the live streams; default the config's defaults. */
  hostChangeStreams?: HostChangeStreamLimits
  /**
   * The web console's sign-in sessions (the console opens them, the API accepts their cookie); default: an empty
   * store (only Bearer tokens authenticate). Pass the same store to the console (manager/console/context.ts).
   */
  sessions?: SessionStore
  /** More routes on the same server, registered after the API's (wiring adds the web console, manager/console). */
  extensions?: readonly FastifyPluginAsync[]
  /** HTTP authentication + authorization for external brokers (config `api.brokerAuth`); absent: no such routes. */
  brokerAuth?: BrokerAuthEndpoint
}

/** The store of a server without the console: nothing opens a session in it. */
const NO_SESSIONS = { idleMs: 0, maxAgeMs: 0, maxSessions: 1, secureCookie: true }

/** Header values that must never reach a log line (on top of lib/log.ts's REDACT_PATHS). */
const API_REDACT_PATHS = [...REDACT_PATHS, 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization']

/**
 * The northbound HTTP API: a fastify instance with every route registered, not listening (the caller calls
 * `listen`, or `inject` in tests, and `close`). Routers are thin: they validate with zod, check access (auth.ts),
 * call Inventory reads or the domain core, and map results to views. Every failure is a catalogue error.
 */
export function createApiServer(deps: ApiServerDeps) {
  const log: Logger = deps.log.child(
    { module: 'api' },
    { redact: { paths: API_REDACT_PATHS, censor: '[redacted]' }, serializers: { req: requestLogView } },
  )
  const context: ApiContext = { ...deps, log }
  const limits = deps.limits ?? DEFAULT_API_LIMITS
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    ...apiServerTimeouts(limits),
  })
  guardApiSockets(app.server, limits, { log, metrics: deps.metrics })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.decorateRequest('principal', null)
  app.decorateRequest('consoleSession', null)
  app.setErrorHandler(handleError)
  // Only JSON bodies: without fastify's default text/plain parser a text body is 415, not a 400 from the schema.
  app.removeContentTypeParser('text/plain')
  app.setNotFoundHandler((request, reply) => handleError(new ApiError('ROUTE_NOT_FOUND'), request, reply))
  app.addHook('onResponse', httpMetricsHook(deps.metrics))
  const streams = new HostChangeStreams({
    feed: deps.domain.hostChanges,
    limits: deps.hostChangeStreams ?? HostChangeStreamLimits.parse({}),
    idleTimeoutMs: limits.idleTimeoutMs,
    metrics: streamMetrics(deps.metrics),
    log,
  })
  // Open streams would keep close() waiting for their requests to end.
  app.addHook('preClose', (done) => {
    streams.closeAll()
    done()
  })

  // Cookies are parsed first (the auth hooks read the session cookie); security headers on every answer.
  void app.register(cookie)
  void app.register(helmet, securityHeaderOptions())
  void app.register(swagger, swaggerOptions())
  void app.register(swaggerUi, docsUiOptions())
  const callers = { tokens: deps.tokens, sessions: deps.sessions ?? new SessionStore(NO_SESSIONS) }
  const readiness = deps.readiness ?? combineChecks(inventoryCheck(deps.inventory))
  void app.register(healthRoutes({ readiness, metrics: deps.metrics }))
  void app.register(openApiRoute())
  void app.register(
    async (api) => {
      api.addHook('onRequest', createAuthHook(callers))
      for (const routes of [
        tenantRoutes,
        hostRoutes,
        hostSummaryRoutes,
        hostAmtRoutes,
        hostAcmRoutes,
        hostPasswordRoutes,
        hostEventRoutes,
        tokenRoutes,
        hostPowerRoutes,
        tenantDmtRoutes,
        tenantAcmCertificateRoutes,
        hostPolicyRoutes,
        groupRoutes,
        rolloutRoutes,
        rotationRolloutRoutes,
        policyRolloutRoutes,
      ])
        await api.register(routes(context))
      await api.register(hostChangeRoutes(context, streams))
    },
    { prefix: API_PREFIX },
  )
  if (deps.brokerAuth) void app.register(brokerAuthPlugin(deps.brokerAuth), { prefix: BROKER_AUTH_PREFIX })
  for (const extension of deps.extensions ?? []) void app.register(extension)
  return app
}

export type ApiServer = ReturnType<typeof createApiServer>

/** The OpenAPI document of a ready server (components pruned to the used ones). */
export function openApiDocumentOf(app: Pick<FastifyInstance, 'swagger'>): object {
  return pruneComponents(app.swagger())
}

function openApiRoute(): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get('/openapi.json', { schema: { hide: true } }, () => openApiDocumentOf(app))
    done()
  }
}
