import type { FastifyPluginCallback } from 'fastify'
import type { ConsoleAssets } from '../assets/load-assets.ts'

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** GET /console/assets/<name>: the content-hashed script and stylesheet, from memory, cacheable for good. */
export function assetRoutes(assets: ConsoleAssets): FastifyPluginCallback {
  const byName = new Map(Object.values(assets).map((asset) => [asset.name, asset]))
  return (app, _options, done) => {
    app.get<{ Params: { name: string } }>(
      '/assets/:name',
      { config: { consolePublic: true } },
      async (request, reply) => {
        const asset = byName.get(request.params.name)
        if (asset === undefined) return reply.callNotFound()
        return reply.type(asset.contentType).header('cache-control', IMMUTABLE).send(asset.body)
      },
    )
    done()
  }
}
