import type { ExecutionContext } from 'ava'
import { silentLogger, type Logger } from '../../../lib/log.ts'
import { createApiServer } from '../../../manager/api/server.ts'
import { issueToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore, type Role } from '../../../manager/api/tokens/token-store.ts'
import {
  createAmtPasswordSource,
  type AmtPasswordSourceDeps,
  type AmtPasswords,
} from '../../../manager/secrets/amt-password-source.ts'
import type { SecretStore } from '../../../manager/secrets/port.ts'
import { startTestCore, type TestCore } from '../../helpers/manager-core.ts'

export interface PasswordApi extends TestCore {
  passwords: AmtPasswords | undefined
  token(role: Role, tenant: string, name?: string): Promise<string>
  request(
    method: string,
    urlPath: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; headers: Headers; text: string; json: Record<string, unknown> }>
}

/**
 * The real API on 127.0.0.1:0 over the real manager core (SQLite in memory) whose secret source and preparer are
 * the password source over `store` (no store: the API runs without one). Released in t.teardown.
 */
export async function startPasswordApi(
  t: ExecutionContext,
  store: SecretStore | undefined,
  options: { log?: Logger } & Partial<AmtPasswordSourceDeps> = {},
): Promise<PasswordApi> {
  const log = options.log ?? silentLogger()
  let passwords: AmtPasswords | undefined
  const lazyInventory = { getTenant: (tenantId: string) => core.inventory.getTenant(tenantId) }
  if (store) passwords = createAmtPasswordSource({ store, inventory: lazyInventory, ...options, log })
  const core: TestCore = await startTestCore(t, passwords ? { secrets: passwords, preparer: passwords } : {})
  const tokens = new MemoryTokenStore()
  const app = createApiServer({
    inventory: core.inventory,
    domain: core.core,
    tokens,
    log,
    metrics: core.metrics.registry,
    ...(passwords ? { passwords } : {}),
  })
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  let serial = 0
  return {
    ...core,
    passwords,
    token: async (role, tenant, name) =>
      (
        await issueToken(tokens, {
          role,
          tenant,
          name: name ?? `${role}-${tenant === '*' ? 'global' : tenant}-${++serial}`,
        })
      ).token,
    request: async (method, urlPath, { token, body } = {}) => {
      const response = await fetch(`${url}${urlPath}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return {
        status: response.status,
        headers: response.headers,
        text,
        json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      }
    },
  }
}
