import type { FastifyHelmetOptions } from '@fastify/helmet'

/**
 * The Content-Security-Policy of every answer (the console's pages, the JSON API, probes): only the manager's own
 * script and stylesheet (no inline script, style or event handler: the console declares behaviour with data-*
 * attributes, manager/console/client), images from itself or data: URLs, fetch/EventSource to itself only, forms
 * posting to itself, never framed, no <base>. /docs (Swagger UI) has its own, equally strict one (docs-ui.ts).
 * helmet's default `upgrade-insecure-requests` is left out: the manager is often reached over plain HTTP on a LAN
 * address, where upgrading its own asset URLs to https would break every page.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
} as const satisfies Record<string, readonly string[]>

/** The directives as a header value. */
export const cspHeader = (directives: Record<string, readonly string[]>): string =>
  Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ')

/**
 * The options of @fastify/helmet on the whole server: the CSP above and helmet's usual headers
 * (X-Content-Type-Options nosniff, X-Frame-Options, Referrer-Policy no-referrer, Cross-Origin-Opener/Resource-Policy
 * same-origin, ...). No Strict-Transport-Security: the manager never terminates TLS itself; promising HTTPS for the
 * host name is the TLS-terminating proxy's decision.
 */
export function securityHeaderOptions(): FastifyHelmetOptions {
  const directives = Object.fromEntries(Object.entries(CSP_DIRECTIVES).map(([name, values]) => [name, [...values]]))
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: false,
  }
}
