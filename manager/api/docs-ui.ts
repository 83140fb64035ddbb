import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import { pruneComponents } from './openapi.ts'
import { CSP_DIRECTIVES, cspHeader } from './security-headers.ts'

/** Where the API's documentation is served (the console's navigation links to it). */
export const DOCS_PREFIX = '/docs'

/**
 * The one <style> element Swagger UI's React code inserts (the bundle of @fastify/swagger-ui 6.1): allowed by its
 * hash, not by 'unsafe-inline'. Another Swagger UI version may insert another one: the browser test of /docs then
 * fails with the CSP violation, whose message names the new hash.
 */
const SWAGGER_UI_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

/**
 * Swagger UI at /docs: the API's OpenAPI document (the one /openapi.json serves: components pruned the same way)
 * rendered by the Swagger UI files of @fastify/swagger-ui, all served by the manager (no CDN, no validator badge
 * fetched from swagger.io). Its pages get the server's CSP, plus Swagger UI's one <style> (by hash).
 * Like /openapi.json, it needs no token: the document holds no tenant data.
 */
export function docsUiOptions(): FastifySwaggerUiOptions {
  const directives = {
    ...CSP_DIRECTIVES,
    'style-src': [...CSP_DIRECTIVES['style-src'], SWAGGER_UI_STYLE_HASH],
  }
  return {
    routePrefix: DOCS_PREFIX,
    staticCSP: cspHeader(directives),
    transformSpecification: (document) => pruneComponents(document),
    uiConfig: { deepLinking: true },
    logLevel: 'warn',
  }
}
