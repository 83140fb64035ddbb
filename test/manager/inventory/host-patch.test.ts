import test from 'ava'
import { decodeCursor, encodeCursor } from '../../../manager/inventory/cursor.ts'
import { applyHostPatch, newHost, truncateUtf8 } from '../../../manager/inventory/host-patch.ts'

const t0 = new Date('2025-01-01T00:00:00.000Z')
const t1 = new Date('2025-01-01T00:01:00.000Z')

test('truncateUtf8 keeps short texts and cuts long ones on a character boundary', (t) => {
  t.is(truncateUtf8('short'), 'short')
  t.is(truncateUtf8('a'.repeat(2000)).length, 1024)
  t.is(truncateUtf8('€€€', 7), '€€') // 3 bytes each
  t.is(truncateUtf8('😀😀', 7), '😀') // 4 bytes each, never half a surrogate pair
  t.is(truncateUtf8('ab😀', 5), 'ab')
})

test('applyHostPatch does not mutate the stored host and stamps version, updatedAt and status time', (t) => {
  const host = newHost({ tenantId: 'a', hostId: 'h' }, t0)
  const frozen = structuredClone(host)
  const next = applyHostPatch(host, { statusIndicator: 'IN_PROGRESS', desiredState: 'PROVISIONED' }, t1)
  t.deepEqual(host, frozen)
  t.like(next, {
    version: 2,
    updatedAt: t1.toISOString(),
    statusTimestamp: t1.getTime() / 1000,
    desiredGeneration: 1,
    createdAt: t0.toISOString(),
  })
})

test('applyHostPatch ignores undefined fields', (t) => {
  const host = newHost({ tenantId: 'a', hostId: 'h' }, t0)
  const next = applyHostPatch(host, { status: undefined, desiredState: undefined, name: 'n' }, t1)
  t.like(next, { name: 'n', statusTimestamp: host.statusTimestamp, desiredGeneration: 0 })
})

test('cursors round-trip any ids', (t) => {
  const key = { tenantId: 'tenant-1', hostId: '4C4C4544-0035-5910-8044-B4C04F4A4E31' }
  t.deepEqual(decodeCursor(encodeCursor(key)), key)
})
