import { stat } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { connectClient } from '../helpers/manager-mqtt.ts'
import { startAgentProcess } from './support/agent-process.ts'
import { activate, getHost, registerHost, startManagerWithIntegrator } from './support/manager-process.ts'
import { STEP_MS, until } from './support/processes.ts'

const TENANT = 'e2e'
const KEY = { tenantId: TENANT, hostId: 'node-1' }

test('register → activate via the API → PROVISIONED in the API and on `status`; SIGTERM exits 0; no secret printed', async (t) => {
  const { manager, dataDir, mqttUrl, integrator } = await startManagerWithIntegrator(t, TENANT, 'amt-e2e-activation-')
  t.is((await stat(path.join(dataDir, 'admin-token'))).mode & 0o777, 0o600, 'the first admin token is owner-only')

  const device = await registerHost(manager, TENANT, KEY.hostId)
  t.is(device.url, mqttUrl, 'the API tells the device where the embedded broker is')
  const watcher = await connectClient(t, mqttUrl, integrator, [`amt/v1/${TENANT}/+/status`])
  const agent = await startAgentProcess(t, { brokerUrl: device.url ?? '', ...KEY, credential: device })

  await activate(manager, TENANT, KEY.hostId)
  const status = await watcher.waitFor(
    KEY,
    'status',
    (s) => s.currentState === 'PROVISIONED' && s.observedGeneration === 1,
    STEP_MS,
  )
  t.like(status, {
    desiredState: 'PROVISIONED',
    statusIndicator: 'IDLE',
    status: 'AMT Activation Done',
    sku: 'AMT',
    desiredGeneration: 1,
    online: true,
  })
  const host = await until(async () => {
    const found = await getHost(manager, TENANT, KEY.hostId)
    return found.currentState === 'PROVISIONED' && found
  }, 'PROVISIONED in the API')
  t.like(host, {
    desiredState: 'PROVISIONED',
    statusIndicator: 'IDLE',
    status: 'AMT Activation Done',
    observedGeneration: 1,
    phase: 'PROVISIONED',
  })
  t.like(await agent.device.read(), { controlMode: 'ccm', counters: { activations: 1 } })

  manager.kill('SIGTERM')
  t.deepEqual(await manager.exited, { exitCode: 0, signal: null }, manager.output().slice(-2000))
  const printed = manager.output() + agent.output()
  t.true(printed.includes('"msg":"manager ready"'))
  for (const secret of [manager.token, device.password, integrator.password])
    t.false(printed.includes(secret), 'no token or password in any output')
})
