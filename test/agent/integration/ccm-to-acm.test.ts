import test from 'ava'
import { startAgentHarness } from '../../helpers/agent-harness.ts'

const PASSWORD = 'Amt-Passw0rd!'
type Call = { event: string; argv?: string[] }

test('desired ACM on a node provisioned in CCM: the agent deactivates, then activates in ACM (the rpc emulator)', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', password: PASSWORD, ras: { remoteStatus: 'connected' } },
  })
  manager.answerSecrets(PASSWORD)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.controlMode === 'CCM')

  await manager.publishDesired({
    generation: 1,
    state: 'PROVISIONED',
    controlMode: 'ACM',
    profileName: 'acme_acm',
    rpsUrl: 'wss://rps.example.com/activate',
  })
  const upgraded = await manager.waitFor(
    'state',
    (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 1 && s.controlMode === 'ACM',
  )
  t.like(await device.read(), { controlMode: 'acm' })
  const started = (await device.calls())
    .map((line) => JSON.parse(line) as Call)
    .filter((call) => call.event === 'start' && (call.argv?.[0] === 'deactivate' || call.argv?.[0] === 'activate'))
    .map((call) => call.argv?.[0])
  t.deepEqual(started, ['deactivate', 'activate'], 'one deactivation, then one activation')
  const event = await manager.waitFor('events', (e) => e.kind === 'recovery.started')
  t.regex(event.message, /AMT is in CCM, desired ACM/)
  t.true(upgraded.seq > event.seq)

  // A later desired CCM does not downgrade it.
  await manager.publishDesired({ generation: 2, state: 'PROVISIONED', controlMode: 'CCM', profileName: 'ccm-profile' })
  await manager.waitFor('state', (s) => s.observedGeneration === 2 && s.phase === 'PROVISIONED')
  t.like(await device.read(), { controlMode: 'acm' })
})
