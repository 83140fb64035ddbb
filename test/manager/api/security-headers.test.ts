import test from 'ava'
import { startApi } from './api-harness.ts'

const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
]

/** The directives of a CSP header, in order. */
const directives = (header: string | null): string[] =>
  (header ?? '')
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '')

test('every answer carries the strict CSP and helmet’s headers: console pages, JSON answers, probes', async (t) => {
  const api = await startApi(t, { console: true })
  const token = await api.token('admin', '*')
  for (const [path, options] of [
    ['/console/sign-in', {}],
    ['/console/tenants', { token }],
    ['/api/v1/tenants', { token }],
    ['/api/v1/tenants', {}],
    ['/healthz', {}],
  ] as const) {
    const answer = await api.request('GET', path, options)
    t.deepEqual(directives(answer.headers.get('content-security-policy')), CONSOLE_CSP, path)
    t.is(answer.headers.get('x-content-type-options'), 'nosniff', path)
    t.is(answer.headers.get('x-frame-options'), 'SAMEORIGIN', path)
    t.is(answer.headers.get('referrer-policy'), 'no-referrer', path)
    t.is(answer.headers.get('cross-origin-opener-policy'), 'same-origin', path)
    t.is(answer.headers.get('strict-transport-security'), null, `${path}: the manager does not terminate TLS`)
  }
})

test('/docs is Swagger UI over the served OpenAPI document, every file from the manager, under its own CSP', async (t) => {
  const api = await startApi(t)
  const page = await api.request('GET', '/docs')
  t.is(page.status, 200)
  t.regex(page.headers.get('content-type') ?? '', /^text\/html/)
  const csp = page.headers.get('content-security-policy') ?? ''
  const swaggerStyle = "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"
  const expected = CONSOLE_CSP.map((directive) => (directive.startsWith('style-src') ? swaggerStyle : directive))
  t.deepEqual(directives(csp), expected)
  const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '')
  t.true(sources.length >= 5, sources.join(' '))
  for (const source of sources) {
    t.false(/^(https?:)?\/\//.test(source), `${source} is served by the manager`)
    const asset = await fetch(new URL(source, `${api.url}/docs`))
    t.is(asset.status, 200, source)
    t.is(asset.headers.get('content-security-policy'), csp, source)
  }
  t.false(/<script>|<style>| on\w+=/i.test(page.text), 'no inline script, style or handler')
  const served = await api.request('GET', '/openapi.json')
  const shown = await api.request('GET', '/docs/json')
  t.deepEqual(shown.json, served.json, 'the same document as /openapi.json')
})
