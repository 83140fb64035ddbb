import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import test from 'ava'
import { createLogger } from '../../../lib/log.ts'
import { createApiServer } from '../../../manager/api/server.ts'
import { issueToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../../manager/api/tokens/token-store.ts'
import { createDispatcher } from '../../../manager/bus/dispatch.ts'
import { createManagerCore } from '../../../manager/core/manager-core.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { createAmtPasswordSource } from '../../../manager/secrets/amt-password-source.ts'
import { createSecretStore } from '../../../manager/secrets/create-secret-store.ts'
import { RecordingOutbound, seedHost } from '../../helpers/manager-core.ts'
import { ManualSchedule, askAsAgent, startFakeVault, vaultStore } from './support.ts'

const APPROLE = { roleId: 'amt-manager-role', secretId: 'approle-secret-id-0f3a9c' }
const STATIC_PASSWORD = 'Static!Tenant9x'

test('passwords, Vault tokens and credentials never reach a log line, an error text or a retained message', async (t) => {
  const lines: string[] = []
  const waiters: Array<{ text: string; resolve: () => void }> = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString()
      lines.push(line)
      for (const waiter of waiters.filter((w) => line.includes(w.text))) waiter.resolve()
      done()
    },
  })
  const logged = (text: string) => new Promise<void>((resolve) => waiters.push({ text, resolve }))
  const log = createLogger({ name: 'leak-test', level: 'trace', destination })
  const vault = await startFakeVault(t, { approle: { ...APPROLE, ttlSeconds: 60 } })
  const timers = new ManualSchedule()
  const store = createSecretStore(
    {
      kind: 'vault',
      address: vault.url,
      auth: { method: 'approle', roleId: APPROLE.roleId, secretId: APPROLE.secretId },
      retries: 1,
      backoff: { baseMs: 1, maxMs: 2 },
      timeoutMs: 10_000,
    },
    { log, schedule: timers.schedule },
  )
  t.teardown(() => store.close())
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const passwords = createAmtPasswordSource({
    store,
    inventory,
    log,
    passwords: { static: { beta: { amtPassword: STATIC_PASSWORD } } },
  })
  const outbound = new RecordingOutbound()
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound, log, metrics, secrets: passwords, preparer: passwords })
  const dispatch = createDispatcher({ record: core.record, log, metrics })
  t.teardown(() => core.stop())
  const tokens = new MemoryTokenStore()
  const app = createApiServer({
    inventory,
    domain: core,
    tokens,
    log,
    metrics: createManagerMetrics(inventory).registry,
    passwords,
  })
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const adminToken = (await issueToken(tokens, { role: 'admin', tenant: '*', name: 'root' })).token
  const bodies: string[] = []
  const errors: string[] = []
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await response.text()
    if (!path.endsWith('/amt-password') || response.status !== 200) bodies.push(text)
    return response.status
  }
  await seedHost(inventory, 'h-1')
  await inventory.createTenant({ tenantId: 'beta', passwordPolicy: 'static' })
  await seedHost(inventory, 'h-2', [], 'beta')

  // activation preparation (random and static), secret requests, password reads
  t.is(await call('PATCH', '/api/v1/tenants/acme/hosts/h-1/amt', { desiredAmtState: 'PROVISIONED' }), 200)
  t.is(await call('PATCH', '/api/v1/tenants/beta/hosts/h-2/amt', { desiredAmtState: 'PROVISIONED' }), 200)
  t.like(await askAsAgent({ core, dispatch, outbound }, { tenantId: 'acme', hostId: 'h-1' }), { ok: true })
  t.like(await askAsAgent({ core, dispatch, outbound }, { tenantId: 'beta', hostId: 'h-2' }), {
    ok: true,
    password: STATIC_PASSWORD,
  })
  t.is(await call('GET', '/api/v1/tenants/acme/hosts/h-1/amt-password'), 200)
  t.is(await call('GET', '/api/v1/tenants/beta/hosts/h-2/amt-password'), 200)

  // Vault failures on every path: renewal, expiry + re-login, sealed, down, 5xx, wrong credentials
  await store.health()
  const renewed = logged('vault token renewed')
  timers.fire()
  await renewed
  vault.auth.expireAll()
  t.is(await call('GET', '/api/v1/tenants/acme/hosts/h-1/amt-password'), 200)
  for (const fault of [{ kind: 'sealed' }, { kind: 'down' }, { kind: 'status', status: 500 }] as const) {
    await vault.setFault(fault)
    t.is(await call('GET', '/api/v1/tenants/acme/hosts/h-1/amt-password'), 503)
    t.is(await call('PATCH', '/api/v1/tenants/acme/hosts/h-1/amt', { desiredAmtState: 'PROVISIONED' }), 502)
    t.like(await askAsAgent({ core, dispatch, outbound }, { tenantId: 'acme', hostId: 'h-1' }), { ok: false })
    await passwords
      .prepare([await inventory.getHost({ tenantId: 'acme', hostId: 'h-1' })])
      .catch((err: Error) => errors.push(err.message, JSON.stringify(err)))
    errors.push((await store.health()).detail ?? '')
    await vault.setFault(null)
  }
  const refused = createSecretStore(
    {
      kind: 'vault',
      address: vault.url,
      auth: { method: 'approle', roleId: APPROLE.roleId, secretId: 'wrong-secret-id-77' },
      retries: 0,
    },
    { log },
  )
  t.teardown(() => refused.close())
  await refused
    .getAmtPassword({ tenantId: 'acme', hostId: 'h-1' })
    .catch((err: Error) => errors.push(err.message, JSON.stringify(err)))
  await core.idle()

  const hostSecret = await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-1' })
  const secrets = [
    hostSecret?.password,
    hostSecret?.mebxPassword,
    STATIC_PASSWORD,
    APPROLE.secretId,
    'wrong-secret-id-77',
    adminToken,
    ...vault.auth.tokens.keys(),
  ]
  t.true(secrets.every((secret) => typeof secret === 'string' && secret.length >= 8))
  t.true(vault.auth.tokens.size >= 2, 'a login and a re-login after expiry')
  t.true(lines.length > 20)
  t.true(
    lines.some((line) => line.includes('vault token renewed')) &&
      lines.some((line) => line.includes('AMT password read')),
  )
  const retained = outbound.published
    .filter((message) => message.options.retain)
    .map((message) => message.payload.toString())
  t.false(
    outbound.published.some((message) => message.topic.endsWith('/secret/res') && message.options.retain),
    'secret/res is never retained',
  )
  for (const [index, secret] of (secrets as string[]).entries()) {
    for (const [where, texts] of [
      ['log line', lines],
      ['error', errors],
      ['API answer', bodies],
      ['retained message', retained],
    ] as const) {
      // The failure names where the secret is, never the secret itself.
      t.is(
        texts.findIndex((text) => text.includes(secret)),
        -1,
        `secret #${index} found in ${where} (index shown)`,
      )
    }
  }
})

test("node-vault's own debug output stays silent even with DEBUG=node-vault (it would print request bodies)", async (t) => {
  // node-vault logs through the `debug` package; enabling its namespace at run time reaches the existing logger.
  const debug = createRequire(import.meta.url)('debug') as { enable(namespaces: string): void; disable(): string }
  const vault = await startFakeVault(t, { approle: APPROLE })
  const store = vaultStore(t, vault, {
    auth: { method: 'approle', roleId: APPROLE.roleId, secretId: APPROLE.secretId },
  })
  const written: string[] = []
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = (chunk: string | Uint8Array) => written.push(String(chunk)) > 0
  debug.enable('node-vault')
  try {
    await store.putAmtPassword({ tenantId: 'acme', hostId: 'h-1' }, { password: 'Debug!Passw0rd' })
    await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-1' })
  } finally {
    debug.disable()
    process.stderr.write = write
  }
  t.is(
    written.filter(
      (text) => text.includes('node-vault') || text.includes('Debug!Passw0rd') || text.includes(APPROLE.secretId),
    ).length,
    0,
    'debug lines on stderr (not shown: they may hold secrets)',
  )
})
