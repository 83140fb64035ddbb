import type { FastifyRequest } from 'fastify'
import type { Principal } from '../api/tokens/api-token.ts'
import type { ConsoleAssets } from './assets/load-assets.ts'

/** What the layout of every signed-in page needs: the assets, who is signed in, the session's CSRF token. */
export interface PageFrame {
  assets: ConsoleAssets
  principal: Principal
  csrfToken?: string
}

/** The frame of a request the console's auth hook let through (it set request.principal). */
export function pageFrame(request: FastifyRequest, assets: ConsoleAssets): PageFrame {
  const { principal } = request
  if (principal === null) throw new Error('console page rendered without a principal (the auth hook did not run)')
  const csrfToken = request.consoleSession?.csrfToken
  return { assets, principal, ...(csrfToken === undefined ? {} : { csrfToken }) }
}
