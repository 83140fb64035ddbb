import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { hashPassword } from '../../../broker/auth/password-hash.ts'
import { silentLogger } from '../../../lib/log.ts'
import { StartupError } from '../../../lib/service-exit.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { brokerAuthEndpoint } from '../../../manager/wiring/broker-auth.ts'
import type { BrokerLink } from '../../../manager/wiring/broker-link.ts'

const SECRET = 'a'.repeat(48)
const EXTERNAL_LINK = { broker: null, brokerUrl: 'mqtt://emqx:1883' } as unknown as BrokerLink

async function setup(t: ExecutionContext, integrators: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-broker-auth-'))
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(async () => {
    await inventory.close()
    await rm(dir, { recursive: true, force: true })
  })
  await writeFile(path.join(dir, 'readers.yaml'), integrators)
  const parsed = parseManagerConfig(
    {
      broker: { external: { url: 'mqtt://emqx:1883', username: 'mgr' } },
      api: { brokerAuth: { enabled: true, integratorsFile: 'readers.yaml' } },
    },
    { baseDir: dir, env: { AMT_MANAGER_BROKER_PASSWORD: 'mgr-password', AMT_MANAGER_BROKER_AUTH_SECRET: SECRET } },
  )
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  return { config: parsed.config, inventory }
}

test("external broker: the endpoint knows the manager's own login and the integrators file", async (t) => {
  const hash = await hashPassword('reader-password', { logN: 10, r: 8, p: 1 })
  const yaml = `principals:\n  - { username: reader, role: integrator, tenantId: acme, passwordHash: "${hash}" }\n`
  const { config, inventory } = await setup(t, yaml)
  const endpoint = await brokerAuthEndpoint(config, EXTERNAL_LINK, { inventory, log: silentLogger() })
  if (endpoint === undefined) return t.fail('the endpoint is on')
  t.is(endpoint.secret.reveal(), SECRET)
  const manager = await endpoint.decisions.authenticate({ username: 'mgr', password: 'mgr-password', clientId: 'mgr' })
  t.like(manager, { allowed: true, principal: { role: 'manager' } })
  const reader = await endpoint.decisions.authenticate({
    username: 'reader',
    password: 'reader-password',
    clientId: 'reader:dashboard',
  })
  t.like(reader, { allowed: true, principal: { role: 'integrator', tenantId: 'acme' } })
  const subscribe = await endpoint.decisions.authorizeSubscribe({ username: 'reader', filter: 'amt/v1/acme/+/status' })
  t.true(subscribe.allowed)
})

test('an invalid integrators file stops the start with every problem', async (t) => {
  const { config, inventory } = await setup(
    t,
    'principals:\n  - { username: host-1, role: device, tenantId: a, hostId: h }\n',
  )
  const error = await t.throwsAsync(brokerAuthEndpoint(config, EXTERNAL_LINK, { inventory, log: silentLogger() }))
  t.true(error instanceof StartupError)
  t.regex(error?.message ?? '', /invalid integrators file/)
})
