import test from 'ava'
import { connectClient } from '../helpers/manager-mqtt.ts'
import { startAgentProcess } from './support/agent-process.ts'
import { activate, getHost, registerHost, startManagerWithIntegrator } from './support/manager-process.ts'
import { STEP_MS, until } from './support/processes.ts'

const TENANT = 'e2e'
const KEY = { tenantId: TENANT, hostId: 'node-1' }

test("AMT stuck connecting: the agent's recovery gets its password from the manager (deactivate while desired PROVISIONED) and converges", async (t) => {
  const { manager, mqttUrl, integrator } = await startManagerWithIntegrator(t, TENANT, 'amt-e2e-recovery-')
  const device = await registerHost(manager, TENANT, KEY.hostId)
  const watcher = await connectClient(t, mqttUrl, integrator, [`amt/v1/${TENANT}/+/events`])
  const agent = await startAgentProcess(t, {
    brokerUrl: device.url ?? '',
    ...KEY,
    credential: device,
    device: { faults: { stuckConnecting: 1000, stuckConnectingActivations: 1 } },
  })

  await activate(manager, TENANT, KEY.hostId)
  await watcher.waitFor(KEY, 'events', (e) => e.kind === 'recovery.started', STEP_MS)
  const finished = (operation: string) => (e: { kind: string; detail?: Record<string, unknown> }) =>
    e.kind === 'rpc.finished' && e.detail?.operation === operation
  t.like(
    await watcher.waitFor(KEY, 'events', finished('deactivate'), STEP_MS),
    { generation: 1 },
    'deactivated through RPS with the password',
  )
  const activations = async () =>
    ((await agent.device.read()).counters as { activations?: number } | undefined)?.activations
  await until(async () => (await activations()) === 2, 'activated again')
  const host = await until(async () => {
    const found = await getHost(manager, TENANT, KEY.hostId)
    return found.currentState === 'PROVISIONED' && found.phase === 'PROVISIONED' && found
  }, 'PROVISIONED again in the API')
  t.like(host, { observedGeneration: 1, desiredState: 'PROVISIONED' })
  t.false(
    watcher.received(KEY, 'events').some((e) => e.kind === 'secret.failed'),
    'the password was given',
  )
})
