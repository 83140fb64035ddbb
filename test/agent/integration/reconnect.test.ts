import test from 'ava'
import { startTestBroker } from '../../helpers/broker.ts'
import { connectTestManager } from '../../helpers/agent-manager.ts'
import { desiredProvisioned, startAgentHarness, TENANT } from '../../helpers/agent-harness.ts'

test('broker restart: the agent reconnects with backoff, re-subscribes, republishes presence, capability and state; desired is re-delivered', async (t) => {
  const first = await startTestBroker(t)
  const { manager, agent, hostId, deviceCredential } = await startAgentHarness(t, {
    broker: first,
    device: { controlMode: 'ccm', ras: { remoteStatus: 'connected' } },
  })
  await manager.publishDesired(desiredProvisioned(1))
  const before = await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 1)

  await first.broker.close()
  const second = await startTestBroker(t, { listeners: { tcp: { host: '127.0.0.1', port: first.port } } })
  await second.credentials.add({ ...deviceCredential, role: 'device', tenantId: TENANT, hostId })
  const again = await connectTestManager(t, {
    url: second.url,
    credential: await second.addManager(),
    tenantId: TENANT,
    hostId,
  })

  // The new broker holds nothing retained: whatever arrives was republished by the agent.
  const presence = await again.waitFor('presence', (p) => p.online)
  t.is(presence.bootId, before.bootId, 'same process, same boot')
  t.true(presence.seq > before.seq, 'the sequence continues across connections')
  t.like(await again.waitFor('capability'), { capable: true, controlMode: 'CCM' })
  t.like(await again.waitFor('state'), { phase: 'PROVISIONED', observedGeneration: 1 })

  // The manager republishes desired from its inventory; the agent sees it again and, being settled, ignores it.
  await again.publishDesired(desiredProvisioned(1))
  t.like(await again.waitFor('events', (e) => e.kind === 'desired.ignored'), {
    generation: 1,
    detail: { verdict: 'duplicate' },
  })
  t.true(agent.snapshot().connection.connected)
})
