import test from 'ava'
import { desiredUnprovisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

const PASSWORD = 'Amt-Passw0rd!'

type Call = { event: string; argv?: string[]; env?: string[] }
const parseCalls = (lines: string[]) => lines.map((line) => JSON.parse(line) as Call)

test('deactivation asks the manager for the AMT password on secret/req, passes it only through the environment, never logs it', async (t) => {
  const { manager, device, logs } = await startAgentHarness(t, {
    device: { controlMode: 'acm', password: PASSWORD, ras: { remoteStatus: 'connected', mpsHostname: 'mps.example.com' } },
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

test('CCM device: when the manager refuses the password, the agent falls back to local deactivation', async (t) => {
  const { manager, device } = await startAgentHarness(t, { device: { controlMode: 'ccm', ras: { remoteStatus: 'connected' } } })
  manager.answerSecrets(null)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(desiredUnprovisioned(1))
  t.like(await manager.waitFor('events', (e) => e.kind === 'secret.failed'), { generation: 1, detail: { name: 'SecretUnavailable' } })
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED' && s.observedGeneration === 1)
  const deactivate = parseCalls(await device.calls()).find((c) => c.event === 'start' && c.argv?.[0] === 'deactivate')
  t.true(deactivate?.argv?.includes('-local'))
})

test('ACM device: a refused password ends in FAILED with the reason', async (t) => {
  const { manager } = await startAgentHarness(t, { device: { controlMode: 'acm', ras: { remoteStatus: 'connected' } } })
  manager.answerSecrets(null)
  await manager.publishDesired(desiredUnprovisioned(1))
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED')
  t.like(failed, { observedGeneration: 1, controlMode: 'ACM', error: { code: null, name: 'SecretUnavailable', class: 'permanent' } })
  t.regex(failed.error?.message ?? '', /refused/)
})
