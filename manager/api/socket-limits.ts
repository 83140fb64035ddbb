import type { Server } from 'node:http'
import type { Registry } from 'prom-client'
import { ConnectionGuard, waitingPoolFor } from '../../lib/connection-guard.ts'
import { openFilesLimit, pressureLog, watchAcceptErrors } from '../../lib/fd-pressure.ts'
import type { Logger } from '../../lib/log.ts'
import { RefusalLog } from '../../broker/limits/refusal-log.ts'
import { ApiConnectionLimits } from '../config/schema.ts'
import { connectionMetrics } from '../metrics/metrics.ts'

/** Limits when none are given (tests, createApiServer callers other than main()): the config's defaults. */
export const DEFAULT_API_LIMITS: ApiConnectionLimits = Object.freeze(ApiConnectionLimits.parse({}))

/** Idle pool when `maxIdleConnections` is not configured: an eighth of the open-files limit. */
const DEFAULT_IDLE_SHARE = 0.125
const DEFAULT_IDLE_FALLBACK = 1024

/** fastify/Node server options for the timeouts (socket idle, headers, whole request, keep-alive). */
export function apiServerTimeouts(limits: ApiConnectionLimits) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks header and request deadlines on this interval (default 30 s, longer than short deadlines).
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  }
}

export interface ApiSocketDeps {
  log: Logger
  metrics: Registry
}

/**
 * Applies the per-address cap and the idle pool (lib/connection-guard.ts) to the API's HTTP server: every socket
 * counts against its address; a socket between requests is idle (evictable, oldest first). Refusals and accept
 * errors are counted (amt_manager_connections_refused_total, amt_manager_fd_pressure_total) and logged once per
 * address and window.
 */
export function guardApiSockets(server: Server, limits: ApiConnectionLimits, deps: ApiSocketDeps): ConnectionGuard {
  const log = deps.log.child({ module: 'api/limits' })
  const counters = connectionMetrics(deps.metrics)
  const refusals = new RefusalLog({ log })
  const guard = new ConnectionGuard({
    maxPerAddress: limits.maxConnectionsPerAddress,
    maxWaiting:
      limits.maxIdleConnections ?? waitingPoolFor(openFilesLimit(), DEFAULT_IDLE_SHARE, DEFAULT_IDLE_FALLBACK),
    onRefused: ({ reason, remoteAddress }) => {
      counters.refused.inc({ listener: 'api', reason })
      refusals.refused({ reason, remoteAddress })
    },
  })
  server.prependListener('connection', (socket) => {
    guard.admit(socket)
  })
  server.on('request', (request, response) => {
    guard.busy(request.socket)
    response.once('close', () => guard.waiting(request.socket))
  })
  server.once('close', () => refusals.flush(Infinity))
  const pressure = pressureLog({ log, count: ({ listener, code }) => counters.fdPressure.inc({ listener, code }) })
  watchAcceptErrors(server, 'api', pressure, log)
  return guard
}
