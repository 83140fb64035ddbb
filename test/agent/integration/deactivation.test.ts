import test from 'ava'
import type { Client } from 'aedes'
import { agentClientId } from '../../../schemas/principals.ts'
import { desiredProvisioned, desiredUnprovisioned, startAgentHarness, TENANT } from '../../helpers/agent-harness.ts'

const PASSWORD = 'Amt-Passw0rd!'

type Call = { event: string; argv?: string[]; env?: string[] }
const parseCalls = (lines: string[]) => lines.map((line) => JSON.parse(line) as Call)

test('deactivation asks the manager for the AMT password on secret/req, passes it only through the environment, never logs it', async (t) => {
  const { manager, device, logs } = await startAgentHarness(t, {
    device: {
      controlMode: 'acm',
      password: PASSWORD,
      ras: { remoteStatus: 'connected', mpsHostname: 'mps.example.com' },
    },
    captureLogs: true,
  })
  manager.answerSecrets(PASSWORD)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.controlMode === 'ACM')

  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: 'wss://rps.example.com/activate' })
  const request = await manager.waitFor('secret/req')
  t.like(request, { purpose: 'deactivate', generation: 1 })
  const unprovisioned = await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED' && s.observedGeneration === 1)
  t.like(unprovisioned, { controlMode: 'PRE_PROVISIONING' })
  const deactivating = await manager.waitFor('state', (s) => s.phase === 'DEACTIVATING')
  t.true(deactivating.seq < unprovisioned.seq)
  t.like(await device.read(), { controlMode: 'pre-provisioning' })

  const deactivate = parseCalls(await device.calls()).find((c) => c.event === 'start' && c.argv?.[0] === 'deactivate')
  t.deepEqual(deactivate?.env, ['AMT_PASSWORD'], 'password in the environment')
  t.true(deactivate?.argv?.includes('-u'), 'remote deactivation through RPS')
  t.false(JSON.stringify(deactivate?.argv).includes(PASSWORD), 'never in argv')
  t.false(logs().includes(PASSWORD), 'never in the logs')
  t.false(JSON.stringify(manager.received('state')).includes(PASSWORD), 'never in state')
  t.false(JSON.stringify(manager.received('events')).includes(PASSWORD), 'never in events')
})

test('CCM device: a refused password ends in FAILED; the agent never deactivates without RPS on its own', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', ras: { remoteStatus: 'connected' } },
  })
  manager.answerSecrets(null)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(desiredUnprovisioned(1))
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED' && s.observedGeneration === 1)
  t.like(failed, { controlMode: 'CCM', error: { name: 'SecretUnavailable', class: 'permanent' } })
  t.like(await device.read(), { controlMode: 'ccm' })
  t.false(
    parseCalls(await device.calls()).some((c) => c.event === 'start' && c.argv?.[0] === 'deactivate'),
    'no rpc deactivate at all',
  )
})

test('CCM device with no RPS URL: FAILED with the reason, no local deactivation unless forced', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', ras: { remoteStatus: 'connected' } },
    overrides: { rps: { url: undefined } },
  })
  manager.answerSecrets(PASSWORD)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(desiredUnprovisioned(1))
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED' && s.observedGeneration === 1)
  t.like(failed, { error: { name: 'NotPossible', class: 'permanent' } })
  t.regex(failed.error?.message ?? '', /no RPS URL/)
  t.false(parseCalls(await device.calls()).some((c) => c.event === 'start' && c.argv?.[0] === 'deactivate'))
})

test('forced by the operator (desired.localDeactivation): a refused password on CCM deactivates locally, and says so', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', ras: { remoteStatus: 'connected' } },
  })
  manager.answerSecrets(null)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(desiredUnprovisioned(1, { localDeactivation: true }))
  t.like(await manager.waitFor('events', (e) => e.kind === 'deactivation.local'), { generation: 1 })
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED' && s.observedGeneration === 1)
  const deactivate = parseCalls(await device.calls()).find((c) => c.event === 'start' && c.argv?.[0] === 'deactivate')
  t.true(deactivate?.argv?.includes('-local'))
})

test('a password request lost across a reconnect is sent again with the same correlation id; deactivation goes through RPS', async (t) => {
  const { manager, device, broker, hostId, agent } = await startAgentHarness(t, {
    device: { controlMode: 'acm', password: PASSWORD, ras: { remoteStatus: 'connected' } },
    overrides: { reconcile: { secretResendMs: 600_000, secretTimeoutMs: 120_000 } },
    deferStart: true,
  })
  t.timeout(120_000)
  let connection: Client | undefined
  broker.broker.aedes.on('clientReady', (client) => {
    if (client.id === agentClientId({ tenantId: TENANT, hostId })) connection = client
  })
  agent.start()
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: 'wss://rps.example.com/activate' })
  const first = await manager.waitFor('secret/req') // nobody answers this copy (the manager was "away")
  manager.answerSecrets(PASSWORD)
  if (connection === undefined) throw new Error('agent not connected')
  connection.close() // the broker drops the agent's connection; it reconnects
  const again = await manager.waitFor('secret/req', (r) => r.seq > first.seq, 60_000)
  t.is(again.correlationId, first.correlationId, 'the same request, re-sent after the reconnect')
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED' && s.observedGeneration === 1, 60_000)
  const deactivate = parseCalls(await device.calls()).find((c) => c.event === 'start' && c.argv?.[0] === 'deactivate')
  t.true(deactivate?.argv?.includes('-u'), 'through RPS')
  t.false(deactivate?.argv?.includes('-local'))
})

test('the latest generation wins: PROVISIONED arriving during the password wait of UNPROVISIONED → no deactivation runs', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', password: PASSWORD, ras: { remoteStatus: 'connected' } },
    overrides: { reconcile: { secretResendMs: 600_000, secretTimeoutMs: 120_000 } },
  })
  t.timeout(120_000)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(desiredUnprovisioned(2, { rpsUrl: 'wss://rps.example.com/activate' }))
  const request = await manager.waitFor('secret/req', (r) => r.generation === 2)
  await manager.publishDesired(desiredProvisioned(3))
  await manager.waitFor('events', (e) => e.kind === 'desired.accepted' && e.generation === 3)
  manager.answerRequest(request.correlationId, PASSWORD) // the password for generation 2 arrives late
  t.like(await manager.waitFor('events', (e) => e.kind === 'plan.superseded'), { generation: 2, detail: { latest: 3 } })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 3)
  t.false(
    parseCalls(await device.calls()).some((c) => c.event === 'start' && c.argv?.[0] === 'deactivate'),
    'no deactivation ran',
  )
  t.like(await device.read(), { controlMode: 'ccm' })
})

test('ACM device: a refused password ends in FAILED with the reason', async (t) => {
  const { manager } = await startAgentHarness(t, { device: { controlMode: 'acm', ras: { remoteStatus: 'connected' } } })
  manager.answerSecrets(null)
  await manager.publishDesired(desiredUnprovisioned(1))
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED')
  t.like(failed, {
    observedGeneration: 1,
    controlMode: 'ACM',
    error: { code: null, name: 'SecretUnavailable', class: 'permanent' },
  })
  t.regex(failed.error?.message ?? '', /refused/)
})
