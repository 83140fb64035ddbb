import test from 'ava'
import { desiredProvisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

// Odd amtinfo outputs seen in the field, end to end: the real agent, the rpc CLI adapter and the rpc emulator.
// Capability and phase come from the decisive fields (SKU bits, control mode, provisioning state) alone.

test('v2 amtinfo without buildNumber and uuid: capable, the missing fields reported, activation works', async (t) => {
  const { manager } = await startAgentHarness(t, { device: { faults: { amtinfoOmits: ['buildNumber', 'uuid'] } } })
  t.like(await manager.waitFor('state'), { phase: 'UNPROVISIONED' }, 'the first pass read amtinfo')
  const capability = await manager.waitFor('capability')
  t.like(capability, { capable: true, sku: 'AMT', skuRaw: 16392, buildNumber: '', controlMode: 'PRE_PROVISIONING' })
  t.deepEqual(capability.missingFields, ['buildNumber', 'uuid'])

  await manager.publishDesired(desiredProvisioned(1))
  const provisioned = await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  t.like(provisioned, { observedGeneration: 1, controlMode: 'CCM' })
  t.false(manager.received('state').some((s) => s.phase === 'FAILED' || s.phase === 'NOT_SUPPORTED'))
})

test('v3 amtinfo of an ACM node without a SKU: PROVISIONED, never NOT_SUPPORTED; sku reported missing', async (t) => {
  const device = { rpcLine: 'v3', sku: null, controlMode: 'acm', ras: { remoteStatus: 'connected' } } as const
  const { manager } = await startAgentHarness(t, { device })
  const capability = await manager.waitFor('capability')
  t.like(capability, { capable: true, sku: 'UNSPECIFIED', skuRaw: null, controlMode: 'ACM', missingFields: ['sku'] })
  t.false('reason' in capability)
  t.like(await manager.waitFor('state'), { phase: 'PROVISIONED', controlMode: 'ACM' })

  await manager.publishDesired(desiredProvisioned(1))
  t.like(await manager.waitFor('state', (s) => s.observedGeneration === 1), { phase: 'PROVISIONED' })
  t.false(manager.received('state').some((s) => s.phase === 'NOT_SUPPORTED'))
})

test('an unreadable SKU before provisioning: FAILED "could not read the SKU", not NOT_SUPPORTED', async (t) => {
  const { manager } = await startAgentHarness(t, { device: { sku: null } })
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED' || s.phase === 'NOT_SUPPORTED')
  t.like(failed, { phase: 'FAILED', error: { code: null, name: 'SkuUnreadable', class: 'transient' } })
  t.regex(failed.error?.message ?? '', /could not read the SKU/)
  t.like(await manager.waitFor('events', (e) => e.kind === 'rpc.failed'), { detail: { name: 'SkuUnreadable' } })
  t.false(manager.received('state').some((s) => s.phase === 'NOT_SUPPORTED'))
})
