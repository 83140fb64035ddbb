import { status as Status } from '@grpc/grpc-js'
import { credentials } from '@grpc/grpc-js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { API_PREFIX, createApiServer } from '../../../manager/api/server.ts'
import { issueToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../../manager/api/tokens/token-store.ts'
import { attachCore } from '../../../manager/bus/attach.ts'
import { createManagerBus } from '../../../manager/bus/mqtt-bus.ts'
import { createManagerCore } from '../../../manager/core/manager-core.ts'
import { createGrpcBridge } from '../../../manager/grpc/server.ts'
import { openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { buildTopic } from '../../../schemas/index.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { createTestPki } from '../../helpers/certs.ts'
import { connectClient } from '../../helpers/manager-mqtt.ts'
import { EVENT_WAIT_MS, within } from './bounded.ts'
import { agentRole, DmClient, FakePasswords, HOST, newSigningKey, PASSWORD, signToken, TENANT_A } from './harness.ts'
import { LegacyAgent } from './legacy-agent.ts'

/**
 * A legacy Go agent (simulated, polling every 100 ms) over TLS against the whole manager: real broker, manager
 * bus + core on a SQLite file, the HTTP API, the bridge. The user activates through the API; the host ends
 * PROVISIONED in Inventory and on the retained `status` topic, exactly like an MQTT agent's (agentKind grpc).
 */
const KEY = { tenantId: TENANT_A, hostId: HOST }

async function startManagerWithBridge(t: ExecutionContext) {
  const log = silentLogger()
  const dir = await mkdtemp(path.join(tmpdir(), 'grpc-e2e-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const broker = await startTestBroker(t)
  const inventory = await openSqliteInventory({ dataDir: dir })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: TENANT_A })
  await inventory.createHost(KEY)
  const passwords = new FakePasswords()
  passwords.set(KEY, PASSWORD)

  const metrics = createManagerMetrics(inventory)
  const bus = createManagerBus({
    url: broker.url,
    ...(await broker.addManager()),
    reconnectPeriodMs: 50,
    connectTimeoutMs: 30_000,
    log,
  })
  const core = createManagerCore({ inventory, outbound: bus, log, metrics, secrets: passwords })
  t.teardown(async () => {
    await bus.close(true)
    await core.stop()
  })
  await within(
    new Promise<void>((resolve) => attachCore(bus, core, { log, metrics, afterSweep: resolve })),
    'the manager bus to connect and sweep',
  )

  const tokens = new MemoryTokenStore()
  const api = createApiServer({ inventory, domain: core, tokens, log, metrics: metrics.registry })
  t.teardown(() => api.close())
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 })
  const operator = (await issueToken(tokens, { role: 'operator', tenant: TENANT_A, name: 'alice' })).token

  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const ca = await pki.createCa('e2e-ca')
  const server = await ca.issueServer()
  const key = newSigningKey()
  const bridge = createGrpcBridge(
    { core, secrets: passwords, log, metrics: metrics.registry },
    {
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: server.certFile, keyFile: server.keyFile },
      auth: { publicKeyPem: key.publicKeyPem },
    },
  )
  const { port } = await bridge.start()
  t.teardown(() => bridge.stop())
  const client = new DmClient(`localhost:${port}`, credentials.createSsl(ca.cert))
  t.teardown(() => client.close())
  const integrator = await connectClient(t, broker.url, await broker.addIntegrator(TENANT_A), [
    buildTopic({ ...KEY, leaf: 'status' }),
  ])
  const agentToken = async () => ({
    authorization: `Bearer ${await signToken(key, { roles: [agentRole(TENANT_A), `${TENANT_A}_en-ob`] })}`,
  })
  return { inventory, apiUrl, operator, client, integrator, agentToken }
}

test('legacy agent e2e: ENABLED/AMT → user activates via the API → ACTIVATE (<tenant>_ccm + password) → ACTIVATING → ACTIVATED → PROVISIONED in Inventory and on status', async (t) => {
  const { inventory, apiUrl, operator, client, integrator, agentToken } = await startManagerWithBridge(t)
  const agent = new LegacyAgent(client, HOST, agentToken, { pollMs: 100 })
  t.teardown(() => agent.stop())
  await agent.start('AMT')
  t.like(agent.steps[0], { kind: 'reported-amt-status', code: Status.OK })
  t.like(await integrator.waitFor(KEY, 'status', (view) => view.sku === 'AMT'), {
    agentKind: 'grpc',
    desiredState: 'UNSPECIFIED',
  })
  await agent.waitFor(
    (step) => step.kind === 'polled' && step.code === Status.FAILED_PRECONDITION,
    'a "nothing to do" poll before activation',
  )

  const response = await fetch(`${apiUrl}${API_PREFIX}/tenants/${TENANT_A}/hosts/${HOST}/amt`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ desiredAmtState: 'PROVISIONED' }),
    signal: AbortSignal.timeout(EVENT_WAIT_MS),
  })
  t.is(response.status, 200)

  const polled = await agent.waitFor((step) => step.kind === 'polled' && step.code === Status.OK, 'an ACTIVATE')
  t.deepEqual(polled.kind === 'polled' ? polled.details : undefined, {
    host_id: HOST,
    operation: 'ACTIVATE',
    profile_name: `${TENANT_A}_ccm`,
    action_password: PASSWORD,
  })
  const done = await integrator.waitFor(KEY, 'status', (view) => view.currentState === 'PROVISIONED')
  t.like(done, {
    desiredState: 'PROVISIONED',
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    agentKind: 'grpc',
    sku: 'AMT',
  })
  t.true(
    integrator
      .received(KEY, 'status')
      .some((view) => view.status === 'AMT Activation In Progress' && view.statusIndicator === 'IN_PROGRESS'),
  )
  t.like(await inventory.getHost(KEY), {
    currentState: 'PROVISIONED',
    desiredState: 'PROVISIONED',
    phase: 'PROVISIONED',
    agentKind: 'grpc',
    status: 'AMT Activation Done',
  })
  t.deepEqual(
    agent.steps
      .filter((step) => step.kind === 'reported-result')
      .map((step) => step.kind === 'reported-result' && [step.status, step.code]),
    [
      ['ACTIVATING', Status.OK],
      ['ACTIVATED', Status.OK],
    ],
  )

  // Afterwards the agent's polls are "nothing to do" again.
  const activatedAt = agent.steps.length
  await agent.waitFor(
    (step) =>
      agent.steps.indexOf(step) >= activatedAt && step.kind === 'polled' && step.code === Status.FAILED_PRECONDITION,
    'a poll after activation',
  )
})
