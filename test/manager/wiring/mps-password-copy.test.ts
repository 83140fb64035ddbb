import test from 'ava'
import type { Host } from '../../../manager/inventory/port.ts'
import { createMpsPasswordCopy } from '../../../manager/wiring/mps-password-copy.ts'
import { startFakeVault, vaultStore } from '../secrets/support.ts'

// MPS's copy of a rotated password (docs/credentials.md "Rotation"): the real Vault adapter against the fake Vault
// writes RPS's device secret with check-and-set, keeping RPS's other keys.

const GUID = '4c4c4544-0035-4b10-8030-b4c04f4a5a31'
const key = { tenantId: 'acme', hostId: GUID }
const ROTATION = { mpsPasswordCopy: 'vault' as const, rpsVault: { mount: 'secret', devicesPath: 'devices' } }
const inventory = { getHost: () => Promise.resolve({ ...key, capability: null } as unknown as Host) }
const DMT = {} as never

test("vault: the new password replaces AMT_PASSWORD in RPS's device secret, the other keys kept, as a new version", async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  await store.putAmtPassword(key, { password: 'Old!Password1', mebxPassword: 'Mebx!Password1' })
  await store.putAmtPassword(key, { password: 'New!Password2', mebxPassword: 'Mebx!Password1' })
  const rps = { AMT_PASSWORD: 'Old!Password1', MEBX_PASSWORD: 'Mebx!Password1', MPS_PASSWORD: 'Mps!Password9' }
  t.is(vault.kv.write(`secret/devices/${GUID}`, { data: rps }).status, 200)

  const copy = createMpsPasswordCopy({ rotation: ROTATION, dmt: DMT }, { store, inventory })
  t.is(copy.mode, 'vault')
  t.is(await copy.copy(key, 2), 'written')
  t.deepEqual(vault.kv.latest(`secret/devices/${GUID}`), { ...rps, AMT_PASSWORD: 'New!Password2' })
  const writes = vault.requests.filter((r) => r.method !== 'GET' && r.path === `/v1/secret/data/devices/${GUID}`)
  t.is(writes.length, 1, 'one check-and-set write')
})

test('vault: no device secret stored by RPS → absent, nothing written', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  await store.putAmtPassword(key, { password: 'New!Password2' })
  const copy = createMpsPasswordCopy({ rotation: ROTATION, dmt: DMT }, { store, inventory })
  t.is(await copy.copy(key, 1), 'absent')
  t.is(vault.kv.latest(`secret/devices/${GUID}`), undefined)
})

test('without the setting: refused (unconfigured) when an MPS is configured, nothing to copy without one; none', (t) => {
  const store = {} as never
  const unset = { mpsPasswordCopy: undefined, rpsVault: ROTATION.rpsVault }
  t.is(createMpsPasswordCopy({ rotation: unset, dmt: DMT }, { store, inventory }).mode, 'unconfigured')
  t.is(createMpsPasswordCopy({ rotation: unset, dmt: null }, { store, inventory }).mode, 'none')
  const none = { ...unset, mpsPasswordCopy: 'none' as const }
  t.is(createMpsPasswordCopy({ rotation: none, dmt: DMT }, { store, inventory }).mode, 'none')
})
