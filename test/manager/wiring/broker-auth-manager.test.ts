import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { startManager } from '../../../manager/wiring/start-manager.ts'
import { agentClientId } from '../../../schemas/principals.ts'

const SECRET = 'b'.repeat(64)

test('a started manager with api.brokerAuth answers broker calls for the hosts registered through its API', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-broker-auth-manager-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const document = {
    dataDir,
    api: { port: 0, brokerAuth: { enabled: true, allowedSources: ['127.0.0.1', '::1'] } },
    broker: { embedded: { tcp: { port: 0 } } },
  }
  const parsed = parseManagerConfig(document, { env: { AMT_MANAGER_BROKER_AUTH_SECRET: SECRET } })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const running = await startManager(parsed.config, { log: silentLogger() })
  t.teardown(() => running.close())
  const admin = (await readFile(running.adminTokenFile, 'utf8')).trim()
  const post = async (urlPath: string, body: unknown, authorization: string) => {
    const response = await fetch(`${running.apiUrl}${urlPath}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }
  t.is((await post('/api/v1/tenants', { tenantId: 'acme' }, `Bearer ${admin}`)).status, 201)
  const registered = await post('/api/v1/tenants/acme/hosts', { hostId: 'node-1' }, `Bearer ${admin}`)
  const { username, password } = (registered.json as { mqtt: { username: string; password: string } }).mqtt
  const clientid = agentClientId({ tenantId: 'acme', hostId: 'node-1' })
  const login = await post('/broker-auth/v1/emqx/authn', { clientid, username, password }, `Bearer ${SECRET}`)
  t.deepEqual(login, { status: 200, json: { result: 'allow', is_superuser: false } })
  const topic = 'amt/v1/acme/node-1/desired'
  const read = await post('/broker-auth/v1/emqx/authz', { username, action: 'subscribe', topic }, `Bearer ${SECRET}`)
  t.deepEqual(read.json, { result: 'allow' })
  const noSecret = await post('/broker-auth/v1/emqx/authn', { clientid, username, password }, `Bearer ${admin}`)
  t.is(noSecret.status, 401)
})
