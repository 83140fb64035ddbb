import type { FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Histogram, type Registry } from 'prom-client'

const REQUESTS = 'amt_manager_http_requests_total'
const DURATION = 'amt_manager_http_request_duration_seconds'

/**
 * HTTP request count and duration by method, route template (not the URL: bounded label values) and status.
 * An onResponse hook. Re-uses the metrics when a registry already has them (a second server on the same registry in tests).
 */
export function httpMetricsHook(registry: Registry) {
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: 'HTTP requests to the manager API',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    })
  const duration =
    (registry.getSingleMetric(DURATION) as Histogram<'method' | 'route'> | undefined) ??
    new Histogram({
      name: DURATION,
      help: 'HTTP request duration of the manager API',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    })
  return function recordRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ method: request.method, route, status: String(reply.statusCode) })
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    done()
  }
}
