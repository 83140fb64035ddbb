import type { FastifyRequest } from 'fastify'

/** What the request log lines ('incoming request', 'request completed') say about a request. */
export interface RequestLogView {
  method: string
  url: string
  remoteAddress: string
  remotePort: number | undefined
}

/** Stands for the path of a request that matched no route: the path may be anything a client typed, secrets too. */
export const UNMATCHED_PATH = '[no route]'

/**
 * The request as logged: the path without the query string (a client may put `?token=` or `?password=` there), and
 * for a request that matched no route not even the path. Headers and bodies are never logged.
 */
export function requestLogView(request: FastifyRequest): RequestLogView {
  return {
    method: request.method,
    url: request.is404 ? UNMATCHED_PATH : pathOnly(request.url),
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  }
}

function pathOnly(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}
