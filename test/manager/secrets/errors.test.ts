import { readFile } from 'node:fs/promises'
import test from 'ava'
import { SECRET_STORE_ERRORS, SecretStoreError } from '../../../manager/secrets/errors.ts'

const DOC = new URL('../../../docs/secrets.md', import.meta.url)

test('docs/secrets.md documents exactly the secret store catalogue, with the same retryability', async (t) => {
  const text = await readFile(DOC, 'utf8')
  const section = /<!-- secret-errors:start -->([\s\S]*?)<!-- secret-errors:end -->/.exec(text)?.[1] ?? ''
  const documented = new Map(
    section.split('\n').flatMap((line) => {
      const match = /^\| (SECRET_[A-Z_]+) \| (yes|no) \|/.exec(line)
      return match ? [[match[1] ?? '', match[2] === 'yes'] as const] : []
    }),
  )
  t.deepEqual([...documented.keys()].sort(), Object.keys(SECRET_STORE_ERRORS).sort())
  for (const [code, { retryable }] of Object.entries(SECRET_STORE_ERRORS)) t.is(documented.get(code), retryable, code)
})

test('a SecretStoreError carries its catalogue message, the reason and its retryability', (t) => {
  const err = new SecretStoreError('SECRET_STORE_UNAVAILABLE', {
    operation: 'read',
    reason: 'HTTP 503 sealed',
    tenantId: 'acme',
  })
  t.is(err.message, 'the secret store is unavailable: HTTP 503 sealed')
  t.true(err.retryable)
  t.is(err.name, 'SecretStoreError')
  t.false(new SecretStoreError('SECRET_STORE_CLOSED').retryable)
})
