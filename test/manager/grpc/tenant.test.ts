import test from 'ava'
import { tenantOf } from '../../../manager/grpc/tenant.ts'

/** The pure tenant and role rules (manager/grpc/tenant.ts), case by case. */
const A = '5b9f6f2e-3c1a-4b7e-9d2f-0a1b2c3d4e5f'
const B = 'a0c2e4f6-8a0c-4e2a-8c4e-6a8c0e2a4c6e'

test('tenant from the single <uuid>_en-agent-rw role', (t) => {
  t.deepEqual(tenantOf(['offline_access', `${A}_en-agent-rw`, `${A}_en-ob`, `${A}_cat-r`], []), {
    ok: true,
    tenantId: A,
  })
  t.deepEqual(
    tenantOf([`${A.toUpperCase()}_en-agent-rw`], []),
    { ok: true, tenantId: A },
    'UUIDs compare case-insensitively; ids are lower case',
  )
  t.deepEqual(
    tenantOf([`${A}_en-agent-rw`, `${A}_en-agent-rw`], []),
    { ok: true, tenantId: A },
    'duplicates are one tenant',
  )
})

test('tenant from activeprojectid (a UUID), checked against the roles', (t) => {
  t.deepEqual(tenantOf([`${A}_en-ob`], [A]), { ok: true, tenantId: A })
  t.deepEqual(tenantOf([`${A}_en-agent-rw`, `${B}_en-agent-rw`], [B]), { ok: true, tenantId: B })
  t.deepEqual(tenantOf([`${A}_en-agent-rw`], ['default', A]), { ok: true, tenantId: A }, 'non-UUID values are ignored')
  t.like(tenantOf([`${A}_en-agent-rw`], [B]), { ok: false, status: 'PERMISSION_DENIED' })
})

test('no tenant or more than one → UNAUTHENTICATED', (t) => {
  t.like(tenantOf([], []), { ok: false, status: 'UNAUTHENTICATED' })
  t.like(tenantOf([`${A}_en-ob`, 'x_en-agent-rw', `${A}_en-agent-rw-extra`], ['project-1']), {
    ok: false,
    status: 'UNAUTHENTICATED',
  })
  const two = tenantOf([`${A}_en-agent-rw`, `${B}_en-agent-rw`], [])
  t.like(two, { ok: false, status: 'UNAUTHENTICATED' })
  t.regex(two.ok ? '' : two.reason, /more than one/)
  t.like(tenantOf([`${A}_en-agent-rw`], [A, B]), { ok: false, status: 'UNAUTHENTICATED' })
})
