import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import mqtt from 'mqtt'
import { buildTopic } from '../../schemas/index.ts'
import { startAgentProcess } from './support/agent-process.ts'
import {
  apiAs,
  applyRpsActivation,
  createToken,
  hostSecretPath,
  hostWhere,
  integrationsConfig,
  retainedAmong,
  rpcCalls,
  startFakes,
  vaultEnv,
} from './support/integrations.ts'
import {
  activate,
  newCredential,
  startManagerProcess,
  writeCredentialsFile,
  writeManagerConfig,
  type Credential,
  type ManagerProcess,
} from './support/manager-process.ts'
import { freePort, tempDir, until } from './support/processes.ts'
import { testClientId } from '../helpers/client-ids.ts'

const STATIC_TENANT = 'plant-static'
const RANDOM_TENANT = 'plant-random'
const STATIC_PASSWORD = 'Static-Pa55word!'

async function createTenant(
  manager: ManagerProcess,
  tenantId: string,
  passwordPolicy: 'static' | 'random',
): Promise<void> {
  const answer = await manager.api('POST', '/api/v1/tenants', { tenantId, passwordPolicy })
  if (answer.status !== 201) throw new Error(`tenant: ${answer.status} ${JSON.stringify(answer.json)}`)
}

async function register(
  manager: ManagerProcess,
  tenantId: string,
  hostId: string,
): Promise<Credential & { url: string }> {
  const answer = await manager.api('POST', `/api/v1/tenants/${tenantId}/hosts`, { hostId })
  if (answer.status !== 201) throw new Error(`register: ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer.json.mqtt as Credential & { url: string }
}

const provisioned = (generation: number) => (host: Record<string, unknown>) =>
  host.currentState === 'PROVISIONED' && host.observedGeneration === generation

test('new tenants → RPS profiles once → activation with the static and the random password policy → passwords for admins only → power reset → deletion through the agent', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-integrations-')
  const fakes = await startFakes(t)
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  await writeFile(path.join(dir, 'static-password'), `${STATIC_PASSWORD}\n`, { mode: 0o600 })
  const reader = newCredential('reader')
  await writeCredentialsFile(path.join(dir, 'integrators.yaml'), [{ ...reader, role: 'integrator' }])
  const config = integrationsConfig(fakes, {
    apiPort,
    mqttPort,
    integratorsFile: 'integrators.yaml',
    passwords: { static: { [STATIC_TENANT]: { amtPasswordFile: 'static-password' } } },
  })
  const manager = await startManagerProcess(t, {
    configFile: await writeManagerConfig(dir, config),
    dataDir: path.join(dir, 'data'),
    apiPort,
    env: vaultEnv(fakes),
  })

  await createTenant(manager, STATIC_TENANT, 'static')
  await createTenant(manager, RANDOM_TENANT, 'random')
  const staticHost = { tenantId: STATIC_TENANT, hostId: randomUUID() }
  const randomHost = { tenantId: RANDOM_TENANT, hostId: randomUUID() }
  const staticProfile = `${STATIC_TENANT}_ccm`
  const randomProfile = `${randomHost.hostId}@${RANDOM_TENANT}_ccm`
  // Each emulated device knows only the profile the manager must name: any other fails its activation.
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`
  const staticCredential = await register(manager, STATIC_TENANT, staticHost.hostId)
  const start = (key: typeof staticHost, credential: Credential, profile: string) =>
    startAgentProcess(t, { brokerUrl, ...key, credential, device: { profiles: { [profile]: 'ccm' } } })
  const [staticAgent, randomAgent] = await Promise.all([
    start(staticHost, staticCredential, staticProfile),
    start(randomHost, await register(manager, RANDOM_TENANT, randomHost.hostId), randomProfile),
  ])

  // Static policy: the first activation creates the tenant's CIRA config and profile, and registers the device in MPS.
  await activate(manager, STATIC_TENANT, staticHost.hostId)
  t.deepEqual(fakes.rps.profileNames(), [staticProfile])
  t.true(fakes.rps.ciraConfigs.has(STATIC_TENANT) && fakes.mps.devices.has(staticHost.hostId))
  await hostWhere(manager, STATIC_TENANT, staticHost.hostId, provisioned(1), 'the static-policy host to be PROVISIONED')
  const posts = () =>
    [...fakes.rps.server.requests, ...fakes.mps.server.requests].filter((request) => request.method === 'POST').length
  const before = posts()
  await activate(manager, STATIC_TENANT, staticHost.hostId)
  t.is(posts(), before, 'a repeated activation sends no POST to RPS or MPS (everything matches)')
  await hostWhere(manager, STATIC_TENANT, staticHost.hostId, provisioned(2), 'the repeated request to settle')

  // Random policy: a profile of the host's own, carrying its own password; no tenant profile.
  await activate(manager, RANDOM_TENANT, randomHost.hostId)
  t.deepEqual(fakes.rps.profileNames(), [randomProfile, staticProfile].sort())
  await hostWhere(manager, RANDOM_TENANT, randomHost.hostId, provisioned(1), 'the random-policy host to be PROVISIONED')

  // Passwords: admins of the tenant only; each equals what the device got from its RPS profile.
  const viewer = apiAs(manager, await createToken(manager, 'viewer', RANDOM_TENANT))
  const operator = apiAs(manager, await createToken(manager, 'operator', RANDOM_TENANT))
  const passwordPath = (key: typeof staticHost) => `/api/v1/tenants/${key.tenantId}/hosts/${key.hostId}/amt-password`
  t.is((await viewer('GET', passwordPath(randomHost))).status, 403)
  t.is((await operator('GET', passwordPath(randomHost))).status, 403)
  const staticRead = await manager.api('GET', passwordPath(staticHost))
  t.like(staticRead, { status: 200, json: { origin: 'tenant', amtPassword: STATIC_PASSWORD } })
  t.is(await applyRpsActivation(staticAgent, fakes.rps, staticProfile), STATIC_PASSWORD)
  const randomRead = await manager.api('GET', passwordPath(randomHost))
  t.like(randomRead, { status: 200, json: { origin: 'host' } })
  const randomPassword = String(randomRead.json.amtPassword)
  t.is(await applyRpsActivation(randomAgent, fakes.rps, randomProfile), randomPassword)
  t.like(await randomAgent.device.read(), { controlMode: 'ccm', password: randomPassword })
  t.is(
    fakes.vault.kv.latest(hostSecretPath(RANDOM_TENANT, randomHost.hostId))?.password,
    randomPassword,
    'stored in Vault before the activation',
  )

  // Recovery path: a power reset of a provisioned host goes to MPS as action 10.
  t.true(fakes.mps.connect(staticHost.hostId), 'the device opens its CIRA connection (MPS knows it)')
  const reset = await manager.api('POST', `/api/v1/tenants/${STATIC_TENANT}/hosts/${staticHost.hostId}/power`, {
    action: 'reset',
  })
  t.is(reset.status, 200, JSON.stringify(reset.json))
  t.deepEqual(fakes.mps.powerActions, [{ guid: staticHost.hostId, action: 10 }])

  // The password answer on secret/res reaches that host's principal only: another device cannot subscribe to it.
  const neighbour = await mqtt.connectAsync(
    brokerUrl,
    { ...staticCredential, clientId: testClientId(staticCredential.username, 'neighbour'), reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => neighbour.endAsync(true))
  const refused = await t.throwsAsync(
    neighbour.subscribeAsync(buildTopic({ ...randomHost, leaf: 'secret/res' }), { qos: 1 }),
  )
  t.deepEqual(
    (refused as (Error & { packet?: { granted?: number[] } }) | undefined)?.packet?.granted,
    [128],
    'SUBACK 0x80',
  )

  // Deletion through the agent: it deactivates with the password the manager answers; then everything is cleaned.
  fakes.mps.storeSecrets(randomHost.hostId, { AMT_PASSWORD: 'written-by-rps-at-activation' })
  const deleted = await manager.api('DELETE', `/api/v1/tenants/${RANDOM_TENANT}/hosts/${randomHost.hostId}`)
  t.like(deleted, { status: 202, json: { outcome: 'pending' } })
  await until404(manager, randomHost)
  t.like(await randomAgent.device.read(), { controlMode: 'pre-provisioning' })
  const deactivations = (await rpcCalls(randomAgent)).filter((call) => call.argv[0] === 'deactivate')
  t.deepEqual(
    deactivations.map((call) => [call.argv[1], call.exitCode]),
    [['-u', 0]],
    'one remote deactivation, with the right password',
  )
  t.is(fakes.vault.kv.latest(hostSecretPath(RANDOM_TENANT, randomHost.hostId)), undefined, 'the Vault secret is gone')
  t.false(fakes.mps.devices.has(randomHost.hostId), 'the MPS device is gone')
  t.false(fakes.mps.secrets.has(randomHost.hostId), "MPS's Vault copy of its passwords is gone")
  t.deepEqual(fakes.rps.profileNames(), [staticProfile], 'the per-host RPS profile is gone')
  const leaves = ['status', 'capability', 'presence'] as const
  const marker = buildTopic({ ...staticHost, leaf: 'status' })
  t.deepEqual(
    await retainedAmong(
      t,
      brokerUrl,
      reader,
      leaves.map((leaf) => buildTopic({ ...randomHost, leaf })),
      marker,
    ),
    [],
    'no retained topic of the host is left',
  )
  const events = await manager.api(
    'GET',
    `/api/v1/tenants/${RANDOM_TENANT}/hosts/${randomHost.hostId}/events?limit=1000`,
  )
  const kinds = (events.json.events as Array<{ kind: string }>).map((event) => event.kind)
  for (const kind of ['host.registered', 'desired.set', 'password.read', 'host.deletion-requested', 'host.deleted'])
    t.true(kinds.includes(kind), `${kind} in ${kinds.join(',')}`)

  manager.kill('SIGTERM')
  t.deepEqual(await manager.exited, { exitCode: 0, signal: null })
  const printed = manager.output() + staticAgent.output() + randomAgent.output()
  for (const secret of [fakes.vaultToken, STATIC_PASSWORD, randomPassword])
    t.false(printed.includes(secret), 'no token or AMT password in any output')
})

async function until404(manager: ManagerProcess, key: { tenantId: string; hostId: string }): Promise<void> {
  await until(
    async () => (await manager.api('GET', `/api/v1/tenants/${key.tenantId}/hosts/${key.hostId}`)).status === 404,
    'the host to be deleted',
    { dead: manager },
  )
}
