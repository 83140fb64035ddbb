import path from 'node:path'
import test from 'ava'
import { stringify } from 'yaml'
import { writeFile } from 'node:fs/promises'
import { connectClient } from '../helpers/manager-mqtt.ts'
import { startAgentProcess } from './support/agent-process.ts'
import {
  activate,
  getHost,
  newCredential,
  registerHost,
  startManagerProcess,
  writeCredentialsFile,
  writeManagerConfig,
} from './support/manager-process.ts'
import { BIN, freePort, spawnNode, STEP_MS, tempDir, until, type Child } from './support/processes.ts'

const TENANT = 'e2e'
const A = { tenantId: TENANT, hostId: 'node-a' }
const B = { tenantId: TENANT, hostId: 'node-b' }

/** The standalone broker (`amt-broker serve`), up once a client could connect (the manager's /readyz says so). */
function startBroker(t: Parameters<typeof spawnNode>[0], configFile: string): Child {
  return spawnNode(t, BIN.broker, ['serve', '--config', configFile])
}

test('external broker killed and restarted (retained store lost): the manager republishes desired from Inventory, agents converge', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-broker-')
  const dataDir = path.join(dir, 'data')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`
  const manager = newCredential('manager-e2e')
  const integrator = newCredential('reader')
  const devices = { a: newCredential('device-a'), b: newCredential('device-b') }
  // With an external broker, device credentials live in that broker (here its credentials file), not in Inventory.
  await writeCredentialsFile(path.join(dir, 'principals.yaml'), [
    { ...manager, role: 'manager' },
    { ...integrator, role: 'integrator', tenantId: TENANT },
    { ...devices.a, role: 'device', ...A },
    { ...devices.b, role: 'device', ...B },
  ])
  const brokerConfig = path.join(dir, 'broker.yaml')
  const limits = { connectRateLimit: { burst: 10_000, perSecond: 10_000 } }
  await writeFile(
    brokerConfig,
    stringify({
      listeners: { tcp: { host: '127.0.0.1', port: mqttPort } },
      limits,
      credentialsFile: 'principals.yaml',
      logLevel: 'warn',
    }),
  )
  await writeFile(path.join(dir, 'manager-password'), `${manager.password}\n`, { mode: 0o600 })
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { external: { url: brokerUrl, username: manager.username, passwordFile: 'manager-password' } },
  })

  const firstBroker = startBroker(t, brokerConfig)
  const api = await startManagerProcess(t, { configFile, dataDir, apiPort })
  for (const key of [A, B]) await registerHost(api, TENANT, key.hostId)
  const agents = [
    await startAgentProcess(t, { brokerUrl, ...A, credential: devices.a }),
    await startAgentProcess(t, { brokerUrl, ...B, credential: devices.b }),
  ]
  await activate(api, TENANT, A.hostId)
  const watcher = await connectClient(t, brokerUrl, integrator, [`amt/v1/${TENANT}/+/status`])
  await watcher.waitFor(A, 'status', (s) => s.currentState === 'PROVISIONED' && s.observedGeneration === 1, STEP_MS)
  await until(async () => (await getHost(api, TENANT, B.hostId)).phase === 'UNPROVISIONED', 'node-b to report in')

  firstBroker.kill('SIGKILL')
  await firstBroker.exited
  await until(async () => (await fetch(`${api.apiUrl}/readyz`)).status === 503, '/readyz to report the lost broker')
  // Asked while the broker is down: stored in Inventory now, published when the broker is back.
  await activate(api, TENANT, B.hostId)
  startBroker(t, brokerConfig)

  const reader = await until(
    () => connectClient(t, brokerUrl, integrator, [`amt/v1/${TENANT}/+/status`]),
    'the restarted broker',
  )
  t.like(
    await reader.waitFor(B, 'status', (s) => s.currentState === 'PROVISIONED' && s.observedGeneration === 1, STEP_MS),
    { status: 'AMT Activation Done' },
  )
  t.like(await reader.waitFor(A, 'status', (s) => s.currentState === 'PROVISIONED', STEP_MS), {
    observedGeneration: 1,
    desiredGeneration: 1,
  })
  const desired = await connectClient(t, brokerUrl, manager, [`amt/v1/${TENANT}/+/desired`])
  for (const key of [A, B])
    t.like(await desired.waitFor(key, 'desired', () => true, STEP_MS), {
      generation: 1,
      state: 'PROVISIONED',
      profileName: `${TENANT}_ccm`,
    })
  await until(async () => (await fetch(`${api.apiUrl}/readyz`)).status === 200, '/readyz after the reconnect')
  t.like(await getHost(api, TENANT, B.hostId), {
    currentState: 'PROVISIONED',
    observedGeneration: 1,
    statusIndicator: 'IDLE',
  })
  for (const agent of agents) t.like(await agent.device.read(), { counters: { activations: 1 } })
})
