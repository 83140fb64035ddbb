import test from 'ava'
import { desiredProvisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

test('capable node: capability published, LMS enabled once, desired PROVISIONED → ACTIVATING → PROVISIONED', async (t) => {
  const { manager, services, device } = await startAgentHarness(t, { services: { lms: 'inactive' } })

  const capability = await manager.waitFor('capability', (c) => c.capable)
  t.like(capability, {
    sku: 'AMT',
    skuRaw: 16392,
    amtVersion: '18.0.5',
    controlMode: 'PRE_PROVISIONING',
    lms: 'active',
    meiDevice: device.devDir + '/mei0',
  })
  t.like(capability.rpc, { line: 'v2' })
  t.like(await manager.waitFor('presence', (p) => p.online), { online: true })
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED')

  await manager.publishDesired(desiredProvisioned(1))
  const provisioned = await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  t.like(provisioned, { observedGeneration: 1, controlMode: 'CCM', remoteStatus: 'connected' })
  t.false('error' in provisioned)
  const activating = await manager.waitFor('state', (s) => s.phase === 'ACTIVATING')
  t.true(activating.seq < provisioned.seq, 'ACTIVATING is reported before PROVISIONED')
  t.like(await manager.waitFor('capability', (c) => c.controlMode === 'CCM'), { ras: { remoteStatus: 'connected' } })

  const kinds = manager.received('events').map((e) => e.kind)
  for (const kind of ['lms.enabled', 'desired.accepted', 'rpc.started', 'rpc.finished'] as const)
    t.true(kinds.includes(kind), `event ${kind}`)

  // A newer generation with the same wish changes nothing on the device and touches LMS no more.
  await manager.publishDesired(desiredProvisioned(2))
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 2)
  t.deepEqual(
    services.calls.filter((c) => c === 'enableLms'),
    ['enableLms'],
    'LMS enabled exactly once',
  )
  t.deepEqual(services.effects, { meiLoads: 1, lmsStarts: 1 })
  t.like(await device.read(), { controlMode: 'ccm', counters: { activations: 1 } })

  const activations = (await device.calls())
    .map((line) => JSON.parse(line) as { event: string; argv?: string[]; env?: string[] })
    .filter((call) => call.event === 'start' && call.argv?.[0] === 'activate')
  t.is(activations.length, 1)
  t.deepEqual(activations[0]?.env, ['PROFILE'], 'the profile travels in the environment, not in argv')
  t.false(activations[0]?.argv?.includes('ccm-profile'))
})

test('not capable node: capability capable=false and NOT_SUPPORTED with the reason; LMS untouched', async (t) => {
  const { manager, services } = await startAgentHarness(t, { device: { faults: { notCapable: true } } })
  const capability = await manager.waitFor('capability')
  t.like(capability, { capable: false, sku: 'UNSPECIFIED', lms: 'not-managed' })
  t.regex(capability.reason ?? '', /neither the AMT Pro/)
  await manager.publishDesired(desiredProvisioned(1))
  const state = await manager.waitFor('state', (s) => s.phase === 'NOT_SUPPORTED' && s.observedGeneration === 1)
  t.regex(state.reason ?? '', /SKU/)
  t.deepEqual(services.calls, [], 'neither MEI nor LMS touched')
})

test('no ME interface (rpc exit 2 HECIDriverNotDetected): NOT_SUPPORTED carrying code and name; LMS untouched', async (t) => {
  const { manager, services } = await startAgentHarness(t, { device: { faults: { noMe: true } } })
  const state = await manager.waitFor('state', (s) => s.phase === 'NOT_SUPPORTED')
  t.like(state.error, { code: 2, name: 'HECIDriverNotDetected', class: 'permanent' })
  t.like(await manager.waitFor('capability'), { capable: false, rpc: null })
  t.deepEqual(services.calls, [])
})
