import test from 'ava'
import { desiredProvisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

test('AMT stuck connecting after activation is recovered: deactivate, then activate again', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { faults: { stuckConnecting: 1000, stuckConnectingActivations: 1 } },
  })
  manager.answerSecrets('Amt-Passw0rd!')
  await manager.publishDesired(desiredProvisioned(1))
  t.like(await manager.waitFor('state', (s) => s.phase === 'PROVISIONED'), { remoteStatus: 'connecting' })
  const recovery = await manager.waitFor('events', (e) => e.kind === 'recovery.started')
  t.like(recovery, { generation: 1, detail: { recovery: 1, maxRecoveries: 2 } })
  const recovered = await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.remoteStatus === 'connected')
  t.like(recovered, { observedGeneration: 1, controlMode: 'CCM' })
  t.true(manager.received('state').some((s) => s.phase === 'DEACTIVATING'))
  t.like(await device.read(), { counters: { activations: 2 } })
})

test('found stuck connecting at start (no activation by this agent): recovered once the bound passes; FAILED when it stays stuck', async (t) => {
  const { manager } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', ras: { remoteStatus: 'connecting' }, faults: { stuckConnecting: 1000 } },
    overrides: { reconcile: { maxRecoveries: 1 } },
  })
  manager.answerSecrets('Amt-Passw0rd!')
  await manager.publishDesired(desiredProvisioned(1))
  await manager.waitFor('events', (e) => e.kind === 'recovery.started')
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED')
  t.like(failed, { observedGeneration: 1, remoteStatus: 'connecting' })
  t.regex(failed.reason ?? '', /stuck connecting .* after 1 recoveries/)
  t.is(manager.received('events').filter((e) => e.kind === 'recovery.started').length, 1)
})
