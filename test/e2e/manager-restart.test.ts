import path from 'node:path'
import test from 'ava'
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
import { freePort, STEP_MS, tempDir, until } from './support/processes.ts'

const TENANT = 'e2e'
const KEY = { tenantId: TENANT, hostId: 'node-slow' }

test('manager killed (SIGKILL) mid-activation, started again on the same data dir and ports: converges, nothing lost', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-restart-')
  const dataDir = path.join(dir, 'data')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`
  const integrator = newCredential('reader')
  await writeCredentialsFile(path.join(dir, 'integrators.yaml'), [
    { ...integrator, role: 'integrator', tenantId: TENANT },
  ])
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort }, integratorsFile: 'integrators.yaml' } },
  })
  const first = await startManagerProcess(t, { configFile, dataDir, apiPort })

  const device = await registerHost(first, TENANT, KEY.hostId)
  const agent = await startAgentProcess(t, { brokerUrl, ...KEY, credential: device })
  await until(
    async () => (await getHost(first, TENANT, KEY.hostId)).phase === 'UNPROVISIONED',
    'the agent to report its capable, unprovisioned node',
  )
  // From now on every rpc call of this node takes 1 s more: the activation is still running when the manager dies.
  await agent.changeDevice((model) => ({ ...model, latencyMs: 1000 }))
  const watcher = await connectClient(t, brokerUrl, integrator, [`amt/v1/${TENANT}/+/status`])
  await activate(first, TENANT, KEY.hostId)
  await watcher.waitFor(
    KEY,
    'status',
    (s) => s.status === 'AMT Activation In Progress' && s.observedGeneration === 1,
    STEP_MS,
  )
  const before = await first.api('GET', `/api/v1/tenants/${TENANT}/hosts/${KEY.hostId}/events?limit=1000`)

  first.kill('SIGKILL')
  t.like(await first.exited, { signal: 'SIGKILL' })
  const second = await startManagerProcess(t, { configFile, dataDir, apiPort })
  t.is(second.token, first.token, 'the admin token survives (made once, on the first start)')

  const host = await until(async () => {
    const found = await getHost(second, TENANT, KEY.hostId)
    return found.currentState === 'PROVISIONED' && found
  }, 'the activation to converge after the restart')
  t.like(host, {
    desiredState: 'PROVISIONED',
    desiredGeneration: 1,
    observedGeneration: 1,
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    sku: 'AMT',
  })
  const after = await second.api('GET', `/api/v1/tenants/${TENANT}/hosts/${KEY.hostId}/events?limit=1000`)
  const ids = (answer: typeof before) => (answer.json.events as Array<{ id: number }>).map((event) => event.id)
  t.true(
    ids(before).length >= 2 && ids(before).every((id) => ids(after).includes(id)),
    'every audit event written before the kill is still there',
  )
  const kinds = (after.json.events as Array<{ kind: string }>).map((event) => event.kind)
  t.true(kinds.includes('host.registered') && kinds.includes('desired.set'), kinds.join(','))

  const again = await connectClient(t, brokerUrl, integrator, [`amt/v1/${TENANT}/+/status`])
  t.like(await again.waitFor(KEY, 'status', (s) => s.currentState === 'PROVISIONED', STEP_MS), {
    observedGeneration: 1,
    desiredGeneration: 1,
  })
  t.like(
    await agent.device.read(),
    { controlMode: 'ccm', counters: { activations: 1 } },
    'activated once: the republished desired did not start a second activation',
  )
})
