import path from 'node:path'
import test from 'ava'
import { connectClient } from '../helpers/manager-mqtt.ts'
import { startAgentProcess } from './support/agent-process.ts'
import { activate, getHost, newCredential, registerHost, startManagerProcess, writeCredentialsFile, writeManagerConfig } from './support/manager-process.ts'
import { freePort, STEP_MS, tempDir, until } from './support/processes.ts'

const TENANT = 'e2e'
const KEY = { tenantId: TENANT, hostId: 'node-1' }

test("AMT stuck connecting: the agent's recovery gets its password from the manager (deactivate while desired PROVISIONED) and converges", async (t) => {
  const dir = await tempDir(t, 'amt-e2e-recovery-')
  const dataDir = path.join(dir, 'data')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const integrator = newCredential('reader')
  await writeCredentialsFile(path.join(dir, 'integrators.yaml'), [{ ...integrator, role: 'integrator', tenantId: TENANT }])
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort }, integratorsFile: 'integrators.yaml' } },
    log: { level: 'info' },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir, apiPort })
  const device = await registerHost(manager, TENANT, KEY.hostId)
  const watcher = await connectClient(t, `mqtt://127.0.0.1:${mqttPort}`, integrator, [`amt/v1/${TENANT}/+/events`])
  const agent = await startAgentProcess(t, {
    brokerUrl: device.url ?? '',
    ...KEY,
    credential: device,
    device: { faults: { stuckConnecting: 1000, stuckConnectingActivations: 1 } },
  })

  await activate(manager, TENANT, KEY.hostId)
  await watcher.waitFor(KEY, 'events', (e) => e.kind === 'recovery.started', STEP_MS)
  const finished = (operation: string) => (e: { kind: string; detail?: Record<string, unknown> }) => e.kind === 'rpc.finished' && e.detail?.operation === operation
  t.like(await watcher.waitFor(KEY, 'events', finished('deactivate'), STEP_MS), { generation: 1 }, 'deactivated through RPS with the password')
  const activations = async () => ((await agent.device.read()).counters as { activations?: number } | undefined)?.activations
  await until(async () => (await activations()) === 2, 'activated again')
  const host = await until(async () => {
    const found = await getHost(manager, TENANT, KEY.hostId)
    return found.currentState === 'PROVISIONED' && found.phase === 'PROVISIONED' && found
  }, 'PROVISIONED again in the API')
  t.like(host, { observedGeneration: 1, desiredState: 'PROVISIONED' })
  t.false(watcher.received(KEY, 'events').some((e) => e.kind === 'secret.failed'), 'the password was given')
})
