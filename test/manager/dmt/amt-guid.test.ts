import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { amtGuidOf } from '../../../manager/dmt/device-registration.ts'
import { powerDepsOf } from '../../../manager/dmt/dmt-api.ts'
import { DmtError } from '../../../manager/dmt/errors.ts'
import { createPowerSweep } from '../../../manager/dmt/power-sweep.ts'
import type { HostKey, Inventory } from '../../../manager/inventory/port.ts'
import type { ManagerCore } from '../../../manager/core/manager-core.ts'
import { EXAMPLES } from '../../../schemas/contract/examples.ts'
import { hostUuid } from './dmt-harness.ts'
import { startPowerApi } from './power-api-setup.ts'
import { provisioningSetup } from './provisioning-setup.ts'

// MPS knows a device by the GUID its CIRA connection comes with: AMT's own UUID (capability.amtUuid, from amtinfo).
const AMT_UUID = '8a3c0f7e-1b2d-4e5f-9a6b-7c8d9e0f1a2b'

/** The agent's capability report carrying `amtUuid` (stored as the ingest would). */
async function reportAmtUuid(
  inventory: Inventory,
  core: ManagerCore,
  key: HostKey,
  amtUuid = AMT_UUID.toUpperCase(),
): Promise<void> {
  await inventory.updateHost(key, { capability: { ...EXAMPLES.capability, hostId: key.hostId, amtUuid } })
  await core.refreshHost(key)
}

test('amtGuidOf: the reported AMT UUID (lower case), else the host id; a placeholder or malformed one is not used', (t) => {
  const key = { tenantId: 'acme', hostId: hostUuid(1).toUpperCase() }
  const withUuid = (amtUuid: string) => ({ ...key, capability: { amtUuid } })
  t.is(amtGuidOf({ ...key, capability: null }), hostUuid(1))
  t.is(amtGuidOf(withUuid(AMT_UUID.toUpperCase())), AMT_UUID)
  t.is(
    amtGuidOf(withUuid('03000200-0400-0500-0006-000700080009')),
    hostUuid(1),
    'a firmware placeholder is shared by many machines',
  )
  t.is(amtGuidOf(withUuid('not-a-uuid')), hostUuid(1))
  t.is(
    amtGuidOf({ tenantId: 'acme', hostId: 'edge-1', capability: { amtUuid: AMT_UUID } }),
    AMT_UUID,
    'a host id that is no UUID is fine with an AMT UUID',
  )
  const error = t.throws(() => amtGuidOf({ tenantId: 'acme', hostId: 'edge-1' }), { instanceOf: DmtError })
  t.is(error.code, 'DMT_INVALID')
  t.regex(error.message, /the host id is not a UUID and the agent reported no AMT UUID/)
})

test('activation registers the MPS device under the AMT UUID the agent reported, tagged with the host id', async (t) => {
  const s = await provisioningSetup(t)
  const [key] = s.keys
  if (!key) return t.fail()
  await reportAmtUuid(s.inventory, s.core, key)
  await s.activate()
  t.like(s.mps.devices.get(AMT_UUID), { guid: AMT_UUID, tags: ['tenant:acme', `host:${key.hostId}`] })
  t.false(s.mps.devices.has(key.hostId.toLowerCase()), 'nothing under the host id')
  t.true(s.mps.connect(AMT_UUID), "MPS accepts the CIRA connection that comes in with AMT's UUID")
})

test('power actions and power-state reads (API and sweep) use the AMT UUID', async (t) => {
  const api = await startPowerApi(t)
  await reportAmtUuid(api.inventory, api.core, api.key)
  await api.dmt.mps.registerDevice({
    guid: AMT_UUID,
    hostname: 'edge-1',
    friendlyName: 'edge-1',
    tags: [],
    mpsusername: 'admin',
    tenantId: '',
    dnsSuffix: '',
  })
  api.mps.connect(AMT_UUID, 6)
  const token = await api.token('operator', 'acme')
  const mark = api.mps.server.requests.length
  t.like((await api.request('GET', `/api/v1/tenants/acme/hosts/${api.key.hostId}/power`, { token })).json, {
    mpsPowerState: 6,
  })
  t.is(
    (await api.request('POST', `/api/v1/tenants/acme/hosts/${api.key.hostId}/power`, { token, body: { action: 'on' } }))
      .status,
    200,
  )
  t.deepEqual(api.mps.powerActions, [{ guid: AMT_UUID, action: 2 }])
  const power = powerDepsOf({ dmt: api.dmt, inventory: api.inventory, core: api.core, log: silentLogger() })
  const sweep = createPowerSweep({ power, inventory: api.inventory, options: { intervalSeconds: 0, concurrency: 1 } })
  t.like(await sweep.runOnce(), { read: 1, failed: 0 })
  const paths = api.mps.server.since(mark).map(({ path }) => path)
  t.true(paths.length >= 4)
  t.true(
    paths.every((path) => path.includes(AMT_UUID)),
    paths.join(', '),
  )
})

test('deleting a host removes its device under the AMT UUID, and an earlier registration under the host id when it is ours', async (t) => {
  const s = await provisioningSetup(t, { hosts: 2 })
  const [key, other] = s.keys
  if (!key || !other) return t.fail()
  await s.activate([key]) // registered under the host id: no AMT UUID reported yet
  await reportAmtUuid(s.inventory, s.core, key)
  await s.activate([key])
  t.deepEqual([s.mps.devices.has(key.hostId.toLowerCase()), s.mps.devices.has(AMT_UUID)], [true, true])
  s.mps.storeSecrets(AMT_UUID, { AMT_PASSWORD: 'Amt-Pw-1!' })
  await s.dmt.removeHost(key)
  t.deepEqual(
    [s.mps.devices.has(key.hostId.toLowerCase()), s.mps.devices.has(AMT_UUID), s.mps.secrets.has(AMT_UUID)],
    [false, false, false],
  )

  // A device under the host id that does not carry our tags is not ours: left alone.
  const foreign = {
    guid: other.hostId,
    hostname: 'x',
    friendlyName: 'x',
    tags: ['someone:else'],
    mpsusername: 'admin',
    tenantId: '',
    dnsSuffix: '',
  }
  await s.dmt.mps.registerDevice(foreign)
  await reportAmtUuid(s.inventory, s.core, other, '1b2c3d4e-0000-4000-8000-00000000abcd')
  await s.dmt.removeHost(other)
  t.true(s.mps.devices.has(other.hostId))
})
