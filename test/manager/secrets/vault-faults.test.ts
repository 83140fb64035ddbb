import test from 'ava'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import type { Fault } from '../../fakes/vault/fake-vault.ts'
import { startFakeVault, vaultStore } from './support.ts'

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const SECRET = { password: 'Aa1!aaaaaaaa' }
const READ = '/v1/secret/data/amt/acme/hosts/h-1'

const faults: Array<[string, Fault, string]> = [
  ['down (connection refused)', { kind: 'down' }, 'connection refused'],
  ['closing connections', { kind: 'reset' }, 'connection reset'],
  ['sealed', { kind: 'sealed' }, 'HTTP 503 sealed'],
  ['answering 500', { kind: 'status', status: 500 }, 'HTTP 500'],
  ['answering 502', { kind: 'status', status: 502 }, 'HTTP 502'],
]

for (const [name, fault, reason] of faults) {
  test(`Vault ${name}: SECRET_STORE_UNAVAILABLE after the retries, then it converges once Vault is back`, async (t) => {
    const vault = await startFakeVault(t)
    const token = vault.issueToken()
    const store = vaultStore(t, vault, { auth: { method: 'token', token }, retries: 2 })
    await store.putAmtPassword(KEY, SECRET)
    await vault.setFault(fault)
    const err = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
    t.like(err, {
      code: 'SECRET_STORE_UNAVAILABLE',
      retryable: true,
      details: { operation: 'read', reason, tenantId: 'acme', hostId: 'h-1' },
    })
    t.false(JSON.stringify({ message: err?.message, details: err?.details }).includes(token))
    t.like(await store.health(), { ok: false, kind: 'vault' })
    await vault.setFault(null)
    t.deepEqual(await store.getAmtPassword(KEY), SECRET)
    t.like(await store.health(), { ok: true })
  })
}

test('Vault answering 5xx twice: the read is retried with backoff and succeeds on the third attempt', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { retries: 2 })
  await store.putAmtPassword(KEY, SECRET)
  await vault.setFault({ kind: 'status', status: 503, times: 2 })
  t.deepEqual(await store.getAmtPassword(KEY), SECRET)
  t.is(vault.count('GET', READ), 3)
})

test('Vault failing every attempt: exactly retries + 1 attempts are made', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { retries: 3 })
  await store.putAmtPassword(KEY, SECRET)
  await vault.setFault({ kind: 'status', status: 500 })
  await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
  t.is(vault.count('GET', READ), 4)
})

test('client errors are not retried: a 400 is SECRET_STORE_REJECTED after one attempt', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { retries: 3 })
  await store.putAmtPassword(KEY, SECRET)
  await vault.setFault({ kind: 'status', status: 400 })
  t.like(await t.throwsAsync(store.getAmtPassword(KEY)), { code: 'SECRET_STORE_REJECTED', details: { status: 400 } })
  t.is(vault.count('GET', READ), 1)
})

test('Vault too slow: the request times out as SECRET_STORE_UNAVAILABLE; answers again once it is fast', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { timeoutMs: 5_000, retries: 0 })
  await store.putAmtPassword(KEY, SECRET)
  await vault.setFault({ kind: 'slow' })
  const held = vault.nextRequest((request) => request.path === READ)
  const err = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
  await held
  t.like(err, { code: 'SECRET_STORE_UNAVAILABLE', details: { reason: 'timed out' } })
  await vault.setFault(null)
  t.deepEqual(await store.getAmtPassword(KEY), SECRET)
})

test('Vault down at the first login (AppRole): the login is retried by the next call and succeeds after recovery', async (t) => {
  const approle = { roleId: 'role-1', secretId: 'secret-1' }
  const vault = await startFakeVault(t, { approle })
  const store = vaultStore(t, vault, { auth: { method: 'approle', ...approle }, retries: 1 })
  await vault.setFault({ kind: 'down' })
  t.like(await t.throwsAsync(store.putAmtPassword(KEY, SECRET)), {
    code: 'SECRET_STORE_UNAVAILABLE',
    details: { operation: 'login', reason: 'connection refused' },
  })
  await vault.setFault(null)
  t.true(await store.putAmtPassword(KEY, SECRET))
  t.deepEqual(vault.auth.logins, ['approle'])
})
