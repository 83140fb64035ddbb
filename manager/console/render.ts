import type { FastifyReply } from 'fastify'
import type { VNode } from 'preact'
import { render } from 'preact-render-to-string'

/** Sends a server-rendered page (a <Layout> tree): HTML5, never cached (it shows live state and a CSRF token). */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>${render(page)}`)
}

/** Sends a fragment the page script swaps in (a table row, a count panel): not a whole page. */
export function sendFragment(reply: FastifyReply, fragment: VNode): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(render(fragment))
}
