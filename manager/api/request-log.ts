import type { FastifyRequest } from 'fastify'

/** What the request log lines ('incoming request', 'request completed') say about a request. */
export interface RequestLogView {
  method: string
  url: string
  remoteAddress: string
  remotePort: number | undefined
}

/** Stands for the path of a request that matched no route: the path may be anything a client typed, secrets too. */
const UNMATCHED_PATH = '[no route]'

/**
 * The request as logged: the matched route's template (`/api/v1/tenants/:tenantId`), not the path: a client may put
 * a token or password in a query string (`?token=`) or in a path segment (`/api/v1/tenants/<token>`, refused with
 * 401 but logged before). A request that matched no route is `[no route]`. Headers and bodies are never logged.
 */
export function requestLogView(request: FastifyRequest): RequestLogView {
  return {
    method: request.method,
    url: request.is404 ? UNMATCHED_PATH : (request.routeOptions.url ?? UNMATCHED_PATH),
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  }
}
