import test from 'ava'
import { desiredProvisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

/** An already activated, connected node: desired PROVISIONED needs no rpc activate, so these tests stay cheap. */
const activatedDevice = { controlMode: 'ccm', ras: { remoteStatus: 'connected' } } as const

test('stale and duplicate desired are ignored with an event; a newer generation is acted on', async (t) => {
  const { manager, device } = await startAgentHarness(t, { device: activatedDevice })
  await manager.publishDesired(desiredProvisioned(3))
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 3)

  await manager.publishDesired(desiredProvisioned(3))
  t.like(await manager.waitFor('events', (e) => e.kind === 'desired.ignored' && e.detail?.verdict === 'duplicate'), {
    generation: 3,
  })
  await manager.publishDesired(desiredProvisioned(2))
  t.like(await manager.waitFor('events', (e) => e.kind === 'desired.ignored' && e.detail?.verdict === 'stale'), {
    generation: 2,
    detail: { current: 3 },
  })

  await manager.publishDesired(desiredProvisioned(4))
  await manager.waitFor('state', (s) => s.observedGeneration === 4)
  t.false(
    manager.received('state').some((s) => s.observedGeneration === 2),
    'the stale generation never reached state',
  )
  const activations = (await device.calls()).filter((line) => line.includes('"activate"'))
  t.deepEqual(activations, [], 'no rpc activate for an already activated node')
})

test('malformed desired is rejected with a reason while the agent keeps running; a valid one then works', async (t) => {
  const { manager, agent } = await startAgentHarness(t, { device: activatedDevice })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 0)

  await manager.publishRaw('desired', '{not json', { retain: true })
  const badJson = await manager.waitFor(
    'events',
    (e) => e.kind === 'desired.rejected' && e.detail?.reason === 'bad-json',
  )
  t.regex(badJson.message, /^desired rejected \(bad-json\)/)

  const withPassword = {
    v: 1,
    ts: new Date().toISOString(),
    hostId: agent.snapshot().identity.hostId,
    ...desiredProvisioned(5),
    password: 'x',
  }
  await manager.publishRaw('desired', JSON.stringify(withPassword), { retain: true })
  const rejected = await manager.waitFor(
    'events',
    (e) => e.kind === 'desired.rejected' && e.detail?.reason === 'schema',
  )
  t.regex(rejected.message, /password|unrecognized/i)

  await manager.publishRaw('desired', JSON.stringify({ ...withPassword, password: undefined, v: 2 }), { retain: true })
  await manager.waitFor('events', (e) => e.kind === 'desired.rejected' && e.detail?.reason === 'unsupported-version')

  await manager.publishDesired(desiredProvisioned(6))
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 6)
  t.is(agent.snapshot().desiredGeneration, 6)
})
