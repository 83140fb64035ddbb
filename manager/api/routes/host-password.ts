import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { HostId, TenantId } from '../../../schemas/ids.ts'
import { isSecretStoreError } from '../../secrets/errors.ts'
import type { HostPassword } from '../../secrets/amt-password-source.ts'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse } from '../errors.ts'
import { HostParams } from '../params.ts'

const HostPasswordView = z
  .object({
    tenantId: TenantId,
    hostId: HostId,
    amtPassword: z.string().describe("the host's AMT password"),
    mebxPassword: z.string().nullable().describe('the MEBx password set with it (ACM), null when none is stored'),
    origin: z
      .enum(['host', 'tenant'])
      .describe("host: the host's own password (random policy); tenant: the tenant's static password"),
  })
  .meta({ id: 'HostAmtPassword', description: "A host's AMT password. Every read is audited (password.read)." })

/**
 * A host's AMT password, for the admins of its tenant (tenant-scoped or global): recovery at the console, MEBx,
 * other tools. Every successful read appends a `password.read` audit event (actor, host, origin) BEFORE the
 * answer leaves; the answer is never cached (`Cache-Control: no-store`) and the password is never logged.
 */
export function hostPasswordRoutes({ inventory, passwords }: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/tenants/:tenantId/hosts/:hostId/amt-password',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['amt'],
          operationId: 'getHostAmtPassword',
          summary: "read a host's AMT password (admins of its tenant; audited)",
          params: HostParams,
          response: {
            200: jsonResponse(HostPasswordView, 'the password; the read is in the audit trail'),
            ...errorResponses(
              'VALIDATION_FAILED',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
              'PASSWORD_NOT_FOUND',
              'SECRET_STORE_NOT_CONFIGURED',
              'SECRET_STORE_UNAVAILABLE',
            ),
          },
        },
      },
      async (request, reply) => {
        const { tenantId, hostId } = request.params
        await inventory.getTenant(tenantId)
        await inventory.getHost({ tenantId, hostId })
        if (passwords === undefined) throw new ApiError('SECRET_STORE_NOT_CONFIGURED')
        const found = await read(() => passwords.readHostPassword({ tenantId, hostId }))
        if (found === null) throw new ApiError('PASSWORD_NOT_FOUND')
        const actor = actorOf(request)
        await inventory.appendAudit([
          { tenantId, hostId, kind: 'password.read', actor, detail: { origin: found.origin } },
        ])
        request.log.info({ tenantId, hostId, actor, origin: found.origin }, 'AMT password read')
        void reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
        return { tenantId, hostId, amtPassword: found.password, mebxPassword: found.mebxPassword, origin: found.origin }
      },
    )
    done()
  }
}

/** Secret store failures become SECRET_STORE_UNAVAILABLE (their messages carry no secret; the code is kept). */
async function read(lookup: () => Promise<HostPassword | null>): Promise<HostPassword | null> {
  try {
    return await lookup()
  } catch (err) {
    if (!isSecretStoreError(err)) throw err
    throw new ApiError('SECRET_STORE_UNAVAILABLE', err.message, { cause: err.code }, { cause: err })
  }
}
