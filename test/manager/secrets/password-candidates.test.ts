import test from 'ava'
import { passwordCandidates } from '../../../manager/secrets/password-candidates.ts'
import { localStore, startCore } from './support.ts'
import { seedHost } from '../../helpers/manager-core.ts'

const at = '2026-12-07T06:00:00.000Z'
const version = (n: number, password: string) => ({ version: n, writtenAt: at, secret: { password } })

test('candidates: the host versions newest first, then the tenant password', (t) => {
  t.deepEqual(passwordCandidates([version(3, 'Cc3$cccc'), version(2, 'Bb2#bbbb')], { password: 'Tt1!tttt' }), [
    { origin: 'host', version: 3, password: 'Cc3$cccc' },
    { origin: 'host', version: 2, password: 'Bb2#bbbb' },
    { origin: 'tenant', password: 'Tt1!tttt' },
  ])
})

test('candidates: ordered by version whatever the input order; each password once, at its first place', (t) => {
  const history = [version(1, 'Aa1!aaaa'), version(4, 'Tt1!tttt'), version(2, 'Aa1!aaaa'), version(3, 'Bb2#bbbb')]
  t.deepEqual(passwordCandidates(history, { password: 'Tt1!tttt', mebxPassword: 'Mm1!mmmm' }), [
    { origin: 'host', version: 4, password: 'Tt1!tttt' },
    { origin: 'host', version: 3, password: 'Bb2#bbbb' },
    { origin: 'host', version: 2, password: 'Aa1!aaaa' },
  ])
})

test('candidates: nothing stored is no candidate; the tenant password alone when the host has none', (t) => {
  t.deepEqual(passwordCandidates([], null), [])
  t.deepEqual(passwordCandidates([], { password: 'Tt1!tttt' }), [{ origin: 'tenant', password: 'Tt1!tttt' }])
})

test('candidatesFor reads the store: host versions (limited), then the tenant password', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store)
  await seedHost(core.inventory, 'h-1')
  const key = { tenantId: 'acme', hostId: 'h-1' }
  for (const password of ['Aa1!aaaa', 'Bb2#bbbb', 'Cc3$cccc']) await store.putAmtPassword(key, { password })
  await store.putTenantPassword('acme', { password: 'Tt1!tttt' })
  t.deepEqual(await core.passwords.candidatesFor(key, { limit: 2 }), [
    { origin: 'host', version: 3, password: 'Cc3$cccc' },
    { origin: 'host', version: 2, password: 'Bb2#bbbb' },
    { origin: 'tenant', password: 'Tt1!tttt' },
  ])
})
