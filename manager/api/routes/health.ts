import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import type { Registry } from 'prom-client'
import { z } from 'zod'
import { ApiError, ErrorBody, jsonResponse } from '../errors.ts'
import { errorBody } from '../error-handler.ts'
import type { Readiness } from '../readiness.ts'

/** Probes and metrics: unauthenticated (they reveal no tenant data), meant for the orchestrator and Prometheus. */
export interface HealthDeps {
  readiness: Readiness
  metrics: Registry
}

const Check = z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })
const PUBLIC = { tags: ['operations'], security: [] }

export function healthRoutes({ readiness, metrics }: HealthDeps): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/healthz',
      {
        schema: {
          ...PUBLIC,
          operationId: 'health',
          summary: 'the process is up',
          response: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'up') },
        },
      },
      () => ({ status: 'ok' as const }),
    )

    app.get(
      '/readyz',
      {
        schema: {
          ...PUBLIC,
          operationId: 'ready',
          summary: 'the manager can serve: Inventory reachable, MQTT bus connected and its subscriptions delivering',
          description: 'Unready answers are the NOT_READY error with `details.checks`.',
          response: {
            200: jsonResponse(z.object({ status: z.literal('ready'), checks: z.array(Check) }), 'ready'),
            503: jsonResponse(ErrorBody, 'error: NOT_READY (details.checks says which dependency)'),
          },
        },
      },
      async (request, reply) => {
        const checks = await readiness()
        if (checks.every((check) => check.ok)) return { status: 'ready' as const, checks }
        return reply.code(503).send(errorBody(new ApiError('NOT_READY', undefined, { checks }), request.id))
      },
    )

    app.get(
      '/metrics',
      {
        schema: {
          ...PUBLIC,
          operationId: 'metrics',
          summary: 'Prometheus metrics (text exposition format)',
        },
      },
      async (_request, reply) => {
        const text = await metrics.metrics()
        return reply.type(metrics.contentType).send(text)
      },
    )
    done()
  }
}
