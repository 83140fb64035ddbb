import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import { pruneComponents } from './openapi.ts'
import { CSP_DIRECTIVES, cspHeader } from './security-headers.ts'

/** Where the API's documentation is served (the console's navigation links to it). */
export const DOCS_PREFIX = '/docs'

/**
 * Swagger UI at /docs: the API's OpenAPI document (the one /openapi.json serves: components pruned the same way)
 * rendered by the Swagger UI files of @fastify/swagger-ui, all served by the manager (no CDN, no validator badge
 * fetched from swagger.io). Its pages get the server's CSP, with Swagger UI's own image and font needs (data: URLs).
 * Like /openapi.json, it needs no token: the document holds no tenant data.
 */
export function docsUiOptions(): FastifySwaggerUiOptions {
  const directives = { ...CSP_DIRECTIVES, 'font-src': ["'self'", 'data:'] }
  return {
    routePrefix: DOCS_PREFIX,
    staticCSP: cspHeader(directives),
    transformSpecification: (document) => pruneComponents(document),
    uiConfig: { deepLinking: true },
    logLevel: 'warn',
  }
}
