import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createRpcCliAmt } from '../../../agent/amt/rpc-cli.ts'
import { ENV_BROKER_PASSWORD, parseAgentConfig } from '../../../agent/config.ts'
import { createFakeServiceControl } from '../../../agent/services/fake.ts'
import { collectStatus, formatStatus } from '../../../agent/status.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { createEmulatedDevice } from '../../helpers/agent-device.ts'
import { TENANT, testAgentConfig } from '../../helpers/agent-harness.ts'

test('status: runs rpc once, classifies, derives the phase and checks the broker with its own client id', async (t) => {
  const broker = await startTestBroker(t)
  const credential = await broker.addDevice(TENANT, 'node-status')
  const device = await createEmulatedDevice(t, { controlMode: 'acm', ras: { remoteStatus: 'connected' } })
  const document = testAgentConfig({ url: broker.url, hostId: 'node-status', device })
  const parsed = parseAgentConfig(
    { ...document, broker: { ...document.broker, username: credential.username } },
    { env: { [ENV_BROKER_PASSWORD]: credential.password } },
  )
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  const log = silentLogger()
  const amt = createRpcCliAmt({ path: device.rpcPath, devDir: device.devDir, log })
  t.teardown(() => amt.stop())
  const services = createFakeServiceControl({ lms: 'active' })

  // Bounds the broker probe (CONNACK, SUBACK): generous, a loaded machine can take seconds; a reachable broker answers sooner.
  const report = await collectStatus({ config: parsed.config, amt, services, log, timeoutMs: 30_000 })
  t.like(report, {
    identity: { tenantId: TENANT, hostId: 'node-status' },
    rpc: { line: 'v2', version: '2.52.6' },
    capability: { capable: true, sku: 'AMT' },
    phase: 'PROVISIONED',
    controlMode: 'ACM',
    remoteStatus: 'connected',
    lms: 'active',
    broker: { reachable: true },
    healthy: true,
  })
  t.deepEqual(services.calls, ['lmsState'], 'status only reads')
  const text = formatStatus(report).join('\n')
  t.regex(text, /phase: +PROVISIONED \(control mode ACM, remote connected\)/)
  t.false(text.includes(credential.password))
})

test('status: an unreachable broker makes the report unhealthy with the reason', async (t) => {
  const device = await createEmulatedDevice(t, { faults: { notCapable: true } })
  const parsed = parseAgentConfig(testAgentConfig({ url: 'mqtt://127.0.0.1:1', hostId: 'node-off', device }), {
    env: {},
  })
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  const log = silentLogger()
  const amt = createRpcCliAmt({ path: device.rpcPath, devDir: device.devDir, log })
  t.teardown(() => amt.stop())
  const report = await collectStatus({
    config: parsed.config,
    amt,
    services: createFakeServiceControl(),
    log,
    timeoutMs: 1000,
  })
  t.like(report, {
    phase: 'NOT_SUPPORTED',
    capability: { capable: false },
    broker: { reachable: false },
    healthy: false,
  })
})
