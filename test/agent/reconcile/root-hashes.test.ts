import test from 'ava'
import { createDeviceModel, type DeviceModelInit } from '../../../agent/amt/device-model.ts'
import { createSimulatedAmt } from '../../../agent/amt/simulated.ts'
import { createMemory } from '../../../agent/reconcile/memory.ts'
import { trustedRootHashes } from '../../../agent/reconcile/root-hashes.ts'
import { silentLogger } from '../../../lib/log.ts'

// The agent reads AMT's trusted root hashes (`amtinfo -cert`, slow) once per firmware; unreadable hashes are retried
// on a few passes, then left out of the report until the firmware changes. Counted on the simulated device's rpc.

function setup(device: DeviceModelInit) {
  const amt = createSimulatedAmt(createDeviceModel(device))
  let reads = 0
  const counting = {
    ...amt,
    certificateHashes: () => {
      reads += 1
      return amt.certificateHashes()
    },
  }
  const ctx = { amt: counting, memory: createMemory(), log: silentLogger() }
  return { amt, ctx, reads: () => reads }
}

test('read once per firmware: a pass with the same firmware uses the hashes read before', async (t) => {
  const { amt, ctx, reads } = setup({})
  const info = await amt.info()
  const first = await trustedRootHashes(ctx, info)
  t.is(first?.length, 2)
  t.deepEqual(await trustedRootHashes(ctx, info), first)
  t.is(reads(), 1)
  await trustedRootHashes(ctx, { ...info, buildNumber: '2000' })
  t.is(reads(), 2, 'a firmware update is read again')
})

test('unreadable hashes: null (left out of the report), retried 3 times per firmware, then not asked again', async (t) => {
  const { amt, ctx, reads } = setup({ faults: { garbageCertificates: true } })
  const info = await amt.info()
  for (let pass = 0; pass < 5; pass += 1) t.is(await trustedRootHashes(ctx, info), null)
  t.is(reads(), 3)
  t.like(await amt.info(), { sku: 16392 }, 'amtinfo itself keeps working')
})
