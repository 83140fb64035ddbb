import test from 'ava'
import { IdentityError, resolveIdentity } from '../../agent/identity.ts'

const identity = { productUuidPath: '/sys/class/dmi/id/product_uuid' }

test('hostId from the config wins', (t) => {
  t.deepEqual(resolveIdentity({ tenantId: 'acme', hostId: 'node-1', identity }, () => 'unused'), { tenantId: 'acme', hostId: 'node-1' })
})

test('hostId defaults to the SMBIOS UUID, trimmed and kept as the firmware reports it', (t) => {
  const read = (path: string) => (path === identity.productUuidPath ? '4C4C4544-005A-3510-8047-B4C04F564433\n' : '')
  t.deepEqual(resolveIdentity({ tenantId: 'acme', identity }, read), { tenantId: 'acme', hostId: '4C4C4544-005A-3510-8047-B4C04F564433' })
})

test('an unreadable or unusable product_uuid is a clear error', (t) => {
  const denied = () => {
    throw Object.assign(new Error('EACCES'), { code: 'EACCES' })
  }
  t.throws(() => resolveIdentity({ tenantId: 'acme', identity }, denied), { instanceOf: IdentityError, message: /cannot be read \(EACCES\); set hostId/ })
  t.throws(() => resolveIdentity({ tenantId: 'acme', identity }, () => 'not/a#host\n'), { instanceOf: IdentityError, message: /does not hold a usable hostId/ })
})
