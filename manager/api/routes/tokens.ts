import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { isGlobal, issueToken, tokenInfo, type Principal } from '../tokens/api-token.ts'
import { GLOBAL_SCOPE, Role, TenantScope, TokenId, TokenName } from '../tokens/token-store.ts'

const TokenView = z
  .object({ id: TokenId, name: TokenName, role: Role, tenant: TenantScope, createdAt: z.iso.datetime() })
  .describe('An API token (never its secret)')
const CreateTokenBody = z.strictObject({
  role: Role,
  tenant: TenantScope,
  name: TokenName.optional().describe('default: <role>-<id>'),
})
const Created = TokenView.extend({
  token: z.string().describe('the bearer token: shown ONLY in this answer; the manager keeps its hash'),
})

const TAGS = ['tokens']

/**
 * API tokens, for admins. A tenant-scoped admin sees and manages only its tenant's tokens (others answer
 * TOKEN_NOT_FOUND / TENANT_NOT_FOUND) and cannot create global ones.
 */
export function tokenRoutes({ tokens, inventory }: ApiContext): FastifyPluginCallbackZod {
  const manages = (principal: Principal, tenant: string) => isGlobal(principal) || principal.tenant === tenant

  return (app, _options, done) => {
    app.get(
      '/tokens',
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'listTokens',
          response: {
            200: jsonResponse(z.object({ tokens: z.array(TokenView) }), 'the tokens the admin manages'),
            ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN'),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request)
        const visible = (await tokens.list()).filter((token) => manages(principal, token.tenant))
        return { tokens: visible.map(tokenInfo) }
      },
    )

    app.post(
      '/tokens',
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'createToken',
          summary: 'create an API token (its text is returned once)',
          body: CreateTokenBody,
          response: {
            201: jsonResponse(Created, 'created; the token text is in this answer only'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'TOKEN_NAME_TAKEN',
            ),
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const { role, tenant, name } = request.body
        if (tenant === GLOBAL_SCOPE && !isGlobal(principal))
          throw new ApiError('FORBIDDEN', 'only a global admin may create global tokens')
        if (!manages(principal, tenant)) throw new ApiError('TENANT_NOT_FOUND')
        if (tenant !== GLOBAL_SCOPE) await inventory.getTenant(tenant)
        const issued = await issueToken(tokens, { role, tenant, ...(name === undefined ? {} : { name }) })
        request.log.info(
          { tokenId: issued.info.id, name: issued.info.name, role, tenant, actor: principal.name },
          'token created',
        )
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ ...issued.info, token: issued.token })
      },
    )

    app.delete(
      '/tokens/:tokenId',
      {
        config: { access: 'admin' },
        schema: {
          tags: TAGS,
          operationId: 'deleteToken',
          summary: 'revoke a token (effective at once)',
          params: z.object({ tokenId: TokenId }),
          response: {
            204: z.undefined().describe('revoked'),
            ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'TOKEN_NOT_FOUND'),
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const token = await tokens.get(request.params.tokenId)
        if (token === null || !manages(principal, token.tenant)) throw new ApiError('TOKEN_NOT_FOUND')
        await tokens.remove(token.id)
        request.log.info({ tokenId: token.id, name: token.name, actor: principal.name }, 'token revoked')
        return reply.code(204).send()
      },
    )
    done()
  }
}
