import { inspect } from 'node:util'
import test from 'ava'
import { SecretValue } from '../../lib/secret-value.ts'

test('a SecretValue never prints its value: string, template, JSON, inspect; reveal() is the way out', (t) => {
  const secret = new SecretValue('Hunter2-Pw!')
  const holder = { password: secret }
  for (const printed of [String(secret), `${String(secret)}`, JSON.stringify(holder), inspect(holder, { depth: 5 })]) {
    t.false(printed.includes('Hunter2'), printed)
    t.true(printed.includes('[redacted]'), printed)
  }
  t.is(secret.reveal(), 'Hunter2-Pw!')
})
