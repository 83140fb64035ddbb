import test, { type ExecutionContext } from 'ava'
import { DomainError } from '../../../manager/core/errors.ts'
import { amtGuidOf } from '../../../manager/dmt/device-registration.ts'
import { DmtError } from '../../../manager/dmt/errors.ts'
import { provisioningSetup } from './provisioning-setup.ts'

/** A one-host setup whose device MPS already holds under another MPS tenant. */
async function withForeignDevice(t: ExecutionContext) {
  const s = await provisioningSetup(t)
  const [key] = s.keys
  if (!key) throw new Error('no host')
  const guid = amtGuidOf(key)
  const foreign = {
    guid,
    hostname: 'theirs',
    friendlyName: 'theirs',
    tags: [],
    mpsusername: 'admin',
    tenantId: 'other',
    dnsSuffix: '',
    connectionStatus: false,
    powerstate: 2,
  }
  s.mps.devices.set(guid, foreign)
  return { s, key, guid, foreign }
}

test('a device MPS holds under another MPS tenant (204) refuses the activation with that reason and is left as it is', async (t) => {
  const { s, key, guid, foreign } = await withForeignDevice(t)
  const mark = s.mps.server.requests.length
  const error = await t.throwsAsync(s.activate(), { instanceOf: DomainError })
  t.is(error.code, 'PREPARATION_FAILED')
  t.regex(error.message, new RegExp(`MPS holds device ${guid} under another MPS tenant`))
  t.deepEqual(s.mps.server.writesSince(mark), [], 'nothing written to MPS')
  t.deepEqual(s.mps.devices.get(guid), foreign)
  t.like(await s.inventory.getHost(key), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 })
  t.is(s.outbound.last(key, 'desired'), undefined)
})

test('removing a host deletes its MPS device and the passwords MPS keeps for it in Vault (issue #13 fact 8)', async (t) => {
  const s = await provisioningSetup(t, { hosts: 2 })
  const [key, unregistered] = s.keys
  if (!key || !unregistered) return t.fail()
  await s.activate([key])
  const guid = amtGuidOf(key)
  s.mps.storeSecrets(guid, { AMT_PASSWORD: 'Amt-Pw-1!', MEBX_PASSWORD: 'Mebx-Pw-1!', MPS_PASSWORD: 'Mps-Pw-1!' })
  const mark = s.mps.server.requests.length
  await s.dmt.removeHost(key)
  t.deepEqual([s.mps.devices.has(guid), s.mps.secrets.has(guid)], [false, false])
  t.deepEqual(
    s.mps.server.writesSince(mark).map(({ method, path }) => `${method} ${path}`),
    [`DELETE /api/v1/devices/${guid}?isSecretToBeDeleted=true`],
  )
  // A device MPS no longer holds (deleted elsewhere without the flag): its stale secrets still go.
  s.mps.storeSecrets(amtGuidOf(unregistered), { AMT_PASSWORD: 'Amt-Pw-2!' })
  await s.dmt.removeHost(unregistered)
  t.false(s.mps.secrets.has(amtGuidOf(unregistered)))
})

test('removing a host whose device MPS holds under another MPS tenant touches neither that device nor its secrets', async (t) => {
  const { s, key, guid, foreign } = await withForeignDevice(t)
  s.mps.storeSecrets(guid, { AMT_PASSWORD: 'Their-Pw-1!' })
  const mark = s.mps.server.requests.length
  await s.dmt.removeHost(key)
  t.deepEqual(s.mps.server.writesSince(mark), [], 'nothing written to MPS')
  t.deepEqual(s.mps.devices.get(guid), foreign)
  t.deepEqual(s.mps.secrets.get(guid), { AMT_PASSWORD: 'Their-Pw-1!' })
})

test('MPS failing to delete the secrets from Vault (its 404 to the flagged delete) fails the removal, so it is retried', async (t) => {
  const s = await provisioningSetup(t)
  const [key] = s.keys
  if (!key) return t.fail()
  await s.activate()
  const guid = amtGuidOf(key)
  s.mps.storeSecrets(guid, { AMT_PASSWORD: 'Amt-Pw-1!' })
  s.mps.vaultFails = true
  const error = await t.throwsAsync(s.dmt.removeHost(key), { instanceOf: DmtError })
  t.is(error.code, 'MPS_UNAVAILABLE')
  t.regex(error.message, /could not delete the device's secrets from Vault/)
  t.false(error.message.includes('Amt-Pw-1!'))
  s.mps.vaultFails = false
  await s.dmt.removeHost(key)
  t.deepEqual([s.mps.devices.has(guid), s.mps.secrets.has(guid)], [false, false])
})
