import test from 'ava'
import { silentLogger } from '../../lib/log.ts'
import type { AgentMessage } from '../../agent/messages.ts'
import { createSecretRequester, SecretUnavailableError } from '../../agent/secret-request.ts'

const envelope = { v: 1 as const, ts: new Date().toISOString(), hostId: 'node-1' }

function requester(timeoutMs = 5_000) {
  const sent: AgentMessage[] = []
  const secrets = createSecretRequester({ publish: (m) => sent.push(m), timeoutMs, log: silentLogger() })
  const correlationOf = (index: number): string => {
    const message = sent[index]
    if (message?.leaf !== 'secret/req') throw new Error('no secret request sent')
    return message.body.correlationId
  }
  return { secrets, sent, correlationOf }
}

test('publishes secret/req and resolves with the matching secret/res password, which never prints', async (t) => {
  const { secrets, sent, correlationOf } = requester()
  const pending = secrets.request({ purpose: 'deactivate', generation: 7 })
  t.like(sent[0], { leaf: 'secret/req', body: { purpose: 'deactivate', generation: 7 } })
  secrets.handle({ ...envelope, correlationId: '00000000-0000-4000-8000-000000000000', ok: true, password: 'not-for-you' })
  secrets.handle({ ...envelope, correlationId: correlationOf(0), ok: true, password: 'Amt-Passw0rd!' })
  const password = await pending
  t.is(password.reveal(), 'Amt-Passw0rd!')
  t.is(JSON.stringify({ password }), '{"password":"[redacted]"}')
})

test('a refusal rejects with the manager reason', async (t) => {
  const { secrets, correlationOf } = requester()
  const pending = secrets.request({ purpose: 'deactivate', generation: 1 })
  secrets.handle({ ...envelope, correlationId: correlationOf(0), ok: false, error: 'no password in vault' })
  const err = await t.throwsAsync(pending, { instanceOf: SecretUnavailableError })
  t.is(err?.reason, 'refused')
  t.regex(err?.message ?? '', /no password in vault/)
})

test('no answer within the timeout rejects; a late answer is dropped', async (t) => {
  const { secrets, correlationOf } = requester(20)
  const err = await t.throwsAsync(secrets.request({ purpose: 'deactivate', generation: 1 }), { instanceOf: SecretUnavailableError })
  t.is(err?.reason, 'timeout')
  t.notThrows(() => secrets.handle({ ...envelope, correlationId: correlationOf(0), ok: true, password: 'too-late-1' }))
})

test('an abort (agent stopping) ends the wait at once', async (t) => {
  const { secrets } = requester()
  const abort = new AbortController()
  const pending = secrets.request({ purpose: 'deactivate', generation: 1, signal: abort.signal })
  abort.abort(new Error('agent stopping'))
  await t.throwsAsync(pending, { message: 'agent stopping' })
})
