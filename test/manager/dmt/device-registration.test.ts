import test from 'ava'
import { DomainError } from '../../../manager/domain/errors.ts'
import { amtGuidOf } from '../../../manager/dmt/device-registration.ts'
import { provisioningSetup } from './provisioning-setup.ts'

test("a device MPS holds under another MPS tenant (204) refuses the activation with that reason and is left as it is", async (t) => {
  const s = await provisioningSetup(t)
  const [key] = s.keys
  if (!key) return t.fail()
  const guid = amtGuidOf(key)
  const foreign = { guid, hostname: 'theirs', friendlyName: 'theirs', tags: [], mpsusername: 'admin', tenantId: 'other', dnsSuffix: '', connectionStatus: false, powerstate: 2 }
  s.mps.devices.set(guid, foreign)
  const mark = s.mps.server.requests.length
  const error = await t.throwsAsync(s.activate(), { instanceOf: DomainError })
  t.is(error.code, 'PREPARATION_FAILED')
  t.regex(error.message, new RegExp(`MPS holds device ${guid} under another MPS tenant`))
  t.deepEqual(s.mps.server.writesSince(mark), [], 'nothing written to MPS')
  t.deepEqual(s.mps.devices.get(guid), foreign)
  t.like(await s.inventory.getHost(key), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 })
  t.is(s.outbound.last(key, 'desired'), undefined)
})
