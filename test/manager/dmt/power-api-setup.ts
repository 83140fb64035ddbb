import type { ExecutionContext } from 'ava'
import { silentLogger, type Logger } from '../../../lib/log.ts'
import { createApiServer } from '../../../manager/api/server.ts'
import { issueToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore, type Role } from '../../../manager/api/tokens/token-store.ts'
import { createDmtApi } from '../../../manager/dmt/dmt-api.ts'
import type { HostKey } from '../../../manager/inventory/port.ts'
import { startTestCore, type TestCore } from '../../helpers/manager-core.ts'
import { hostUuid, startDmt, type DmtRig } from './dmt-harness.ts'

export interface PowerApi extends TestCore, DmtRig {
  key: HostKey
  guid: string
  /** The API's base URL. */
  url: string
  token(role: Role, tenant: string): Promise<string>
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; json: Record<string, unknown> & { code?: string; message?: string } }>
}

/**
 * The real API on 127.0.0.1:0 over the real core (in-memory Inventory) with the RPS/MPS functions over the fakes
 * (`dmt: false`: a manager without RPS/MPS; `log`: the API's and DMT functions' logger). Tenant `acme` with one
 * host whose AMT is PROVISIONED and whose device is registered with MPS and connected over CIRA (power state 8, off).
 */
export async function startPowerApi(
  t: ExecutionContext,
  { dmt = true, log = silentLogger() }: { dmt?: boolean; log?: Logger } = {},
): Promise<PowerApi> {
  const core = await startTestCore(t)
  const rig = await startDmt(t, core.inventory)
  const tokens = new MemoryTokenStore()
  const app = createApiServer({
    inventory: core.inventory,
    domain: core.core,
    tokens,
    log,
    metrics: core.metrics.registry,
    ...(dmt ? { dmt: createDmtApi({ dmt: rig.dmt, inventory: core.inventory, core: core.core, log }) } : {}),
  })
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })

  await core.inventory.createTenant({ tenantId: 'acme' })
  await core.inventory.createTenant({ tenantId: 'other' })
  const key = { tenantId: 'acme', hostId: hostUuid(1) }
  await core.inventory.createHost(key)
  await core.inventory.updateHost(key, { currentState: 'PROVISIONED', desiredState: 'PROVISIONED' })
  await core.core.refreshHost(key)
  const guid = key.hostId
  await rig.dmt.mps.registerDevice({
    guid,
    hostname: 'edge-1',
    friendlyName: 'edge-1',
    tags: [],
    mpsusername: 'admin',
    tenantId: '',
    dnsSuffix: '',
  })
  rig.mps.connect(guid, 8)

  let serial = 0
  return {
    ...core,
    ...rig,
    key,
    guid,
    url,
    token: async (role, tenant) => (await issueToken(tokens, { role, tenant, name: `${role}-${++serial}` })).token,
    request: async (method, path, { token, body } = {}) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> }
    },
  }
}
