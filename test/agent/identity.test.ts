import test from 'ava'
import { IdentityError, resolveIdentity } from '../../agent/identity.ts'

const identity = { productUuidPath: '/sys/class/dmi/id/product_uuid' }

test('hostId from the config wins', (t) => {
  t.deepEqual(
    resolveIdentity({ tenantId: 'acme', hostId: 'node-1', identity }, () => 'unused'),
    { tenantId: 'acme', hostId: 'node-1' },
  )
})

test('hostId defaults to the SMBIOS UUID, trimmed and kept as the firmware reports it', (t) => {
  const read = (path: string) => (path === identity.productUuidPath ? '4C4C4544-005A-3510-8047-B4C04F564433\n' : '')
  t.deepEqual(resolveIdentity({ tenantId: 'acme', identity }, read), {
    tenantId: 'acme',
    hostId: '4C4C4544-005A-3510-8047-B4C04F564433',
  })
})

test('an unreadable or unusable product_uuid is a clear error', (t) => {
  const denied = () => {
    throw Object.assign(new Error('EACCES'), { code: 'EACCES' })
  }
  t.throws(() => resolveIdentity({ tenantId: 'acme', identity }, denied), {
    instanceOf: IdentityError,
    message: /cannot be read \(EACCES\); set hostId/,
  })
  t.throws(() => resolveIdentity({ tenantId: 'acme', identity }, () => 'not/a#host\n'), {
    instanceOf: IdentityError,
    message: /does not hold a usable hostId/,
  })
})

test('a firmware placeholder SMBIOS UUID is refused, in any case: the operator must set hostId', (t) => {
  for (const placeholder of [
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    '03000200-0400-0500-0006-000700080009',
  ]) {
    t.throws(() => resolveIdentity({ tenantId: 'acme', identity }, () => `${placeholder}\n`), {
      instanceOf: IdentityError,
      message: new RegExp(
        `^/sys/class/dmi/id/product_uuid: ${placeholder} is a firmware placeholder UUID .*set a unique hostId explicitly`,
      ),
    })
  }
  t.throws(() => resolveIdentity({ tenantId: 'acme', identity }, () => 'ffffffff-ffff-ffff-ffff-ffffffffffff'), {
    instanceOf: IdentityError,
    message: /placeholder/,
  })
})

test('a placeholder configured as hostId is refused too', (t) => {
  t.throws(
    () =>
      resolveIdentity({ tenantId: 'acme', hostId: '03000200-0400-0500-0006-000700080009', identity }, () => 'unused'),
    {
      instanceOf: IdentityError,
      message: /^hostId in the config: 03000200-0400-0500-0006-000700080009 is a firmware placeholder UUID/,
    },
  )
})
