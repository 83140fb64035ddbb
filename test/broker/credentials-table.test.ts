import test from 'ava'
import { CredentialTable } from '../../broker/auth/credential-table.ts'
import {
  decodeHash,
  decodeHashInto,
  hashPassword,
  hashRandomSecret,
  verifyPasswordHash,
} from '../../broker/auth/password-hash.ts'

const CHEAP = { logN: 10, r: 8, p: 1 }

test('decodeHashInto writes the salt and key decodeHash gives, and refuses what it refuses', async (t) => {
  const hashes = [hashRandomSecret('a'), await hashPassword('b', CHEAP)]
  const target = Buffer.alloc(256)
  for (const encoded of hashes) {
    const decoded = decodeHash(encoded)
    const packed = decodeHashInto(encoded, target, 7)
    if (decoded === null || packed === null) return t.fail(encoded)
    t.deepEqual(target.subarray(7, 7 + packed.saltLength), decoded.salt)
    t.deepEqual(target.subarray(7 + packed.saltLength, 7 + packed.saltLength + packed.keyLength), decoded.key)
    t.is(packed.scheme.scheme, decoded.scheme)
  }
  const [digest = ''] = hashes
  for (const junk of [
    '',
    digest.slice(0, -4), // a key of 29 bytes
    `hmac-sha256$AAAA$${digest.split('$')[2] ?? ''}`, // a salt of 3 bytes
    'scrypt$9$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', // logN below 10
    'scrypt$10$8$1$AAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', // a salt of 5 bytes
    'scrypt$10$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA', // a key of 16 bytes: accepted by both
  ])
    t.is(decodeHashInto(junk, target, 0) === null, decodeHash(junk) === null, junk)
})

test('the table packs many principals with distinct hashes: each verifies its own password, keeps its scope', async (t) => {
  const table = new CredentialTable()
  const count = 500 // beyond the first buffer's room: the packed bytes move while the table grows
  for (let index = 0; index < count; index++) {
    const scope =
      index % 3 === 0
        ? { role: 'device' as const, tenantId: `t${index % 7}`, hostId: `h${index}` }
        : index % 3 === 1
          ? { role: 'integrator' as const, ...(index % 2 === 0 ? { tenantId: `t${index % 7}` } : {}) }
          : { role: 'manager' as const }
    t.truthy(table.set(`user-${index}`, scope, hashRandomSecret(`pw-${index}`)))
  }
  const scrypt = await hashPassword('slow', CHEAP)
  t.deepEqual(table.set('reader', { role: 'integrator' }, scrypt), { scheme: 'scrypt', params: CHEAP })
  table.trim()
  t.is(table.size, count + 1)
  for (const index of [0, 1, 2, 3, 4, 255, 256, count - 1]) {
    const slot = table.slotOf(`user-${index}`)
    if (slot === undefined) return t.fail(`user-${index} missing`)
    t.true(await verifyPasswordHash(table.hashAt(slot), `pw-${index}`), `user-${index}`)
    t.false(await verifyPasswordHash(table.hashAt(slot), `pw-${index + 1}`), `user-${index}`)
  }
  const reader = table.slotOf('reader')
  if (reader === undefined) return t.fail('reader missing')
  t.true(await verifyPasswordHash(table.hashAt(reader), 'slow'))
  t.deepEqual(table.principalAt(table.slotOf('user-3') ?? -1, 'user-3'), {
    id: 'user-3',
    role: 'device',
    tenantId: 't3',
    hostId: 'h3',
  })
  table.set('h9@t-9', { role: 'device', tenantId: 't-9', hostId: 'h9' }, hashRandomSecret('x'))
  table.set('h9@t-8', { role: 'device', tenantId: 't-9', hostId: 'h9' }, hashRandomSecret('x'))
  t.deepEqual(table.principalAt(table.slotOf('h9@t-9') ?? -1, 'h9@t-9'), {
    id: 'h9@t-9',
    role: 'device',
    tenantId: 't-9',
    hostId: 'h9',
  })
  t.like(table.principalAt(table.slotOf('h9@t-8') ?? -1, 'h9@t-8'), { tenantId: 't-9', hostId: 'h9' })
  t.deepEqual(table.principalAt(table.slotOf('user-4') ?? -1, 'user-4'), {
    id: 'user-4',
    role: 'integrator',
    tenantId: 't4',
  })
  t.deepEqual(table.principalAt(table.slotOf('user-7') ?? -1, 'user-7'), { id: 'user-7', role: 'integrator' })
  t.deepEqual(table.principalAt(table.slotOf('user-5') ?? -1, 'user-5'), { id: 'user-5', role: 'manager' })
})

test('a replaced or removed principal: the new credentials answer, a slot read before still names the old ones', async (t) => {
  const table = new CredentialTable()
  table.set('a', { role: 'device', tenantId: 't1', hostId: 'h1' }, hashRandomSecret('old'))
  const before = table.slotOf('a')
  t.is(table.set('a', { role: 'manager' }, 'plain'), null, 'an invalid hash changes nothing')
  t.is(table.slotOf('a'), before)
  table.set('a', { role: 'manager' }, hashRandomSecret('new'))
  const after = table.slotOf('a')
  if (before === undefined || after === undefined) return t.fail('slots missing')
  t.is(table.size, 1)
  t.true(await verifyPasswordHash(table.hashAt(after), 'new'))
  t.deepEqual(table.principalAt(after, 'a'), { id: 'a', role: 'manager' })
  t.true(await verifyPasswordHash(table.hashAt(before), 'old'))
  t.like(table.principalAt(before, 'a'), { role: 'device', hostId: 'h1' })
  t.true(table.delete('a'))
  t.is(table.slotOf('a'), undefined)
  t.is(table.size, 0)
})
