import test from 'ava'
import { silentLogger } from '../../lib/log.ts'
import type { AgentMessage } from '../../agent/messages.ts'
import { toRpcError } from '../../agent/reconcile/failure.ts'
import { createSecretRequester, SecretUnavailableError } from '../../agent/secret-request.ts'

const envelope = { v: 1 as const, ts: new Date().toISOString(), hostId: 'node-1' }

function requester(timeoutMs = 5_000, resendMs = 60_000) {
  const sent: AgentMessage[] = []
  const sends: Array<() => void> = []
  const send = (message: AgentMessage) => {
    sent.push(message)
    for (const notify of sends.splice(0)) notify()
  }
  const secrets = createSecretRequester({ send, timeoutMs, resendMs, log: silentLogger(), random: () => 1 })
  /** Resolves once `count` messages were sent in all. */
  const sentCount = async (count: number): Promise<void> => {
    while (sent.length < count) await new Promise<void>((resolve) => sends.push(resolve))
  }
  const correlationOf = (index: number): string => {
    const message = sent[index]
    if (message?.leaf !== 'secret/req') throw new Error('no secret request sent')
    return message.body.correlationId
  }
  return { secrets, sent, correlationOf, sentCount }
}

test('publishes secret/req and resolves with the matching secret/res password, which never prints', async (t) => {
  const { secrets, sent, correlationOf } = requester()
  const pending = secrets.request({ purpose: 'deactivate', generation: 7 })
  t.like(sent[0], { leaf: 'secret/req', body: { purpose: 'deactivate', generation: 7 } })
  secrets.handle({
    ...envelope,
    correlationId: '00000000-0000-4000-8000-000000000000',
    ok: true,
    password: 'not-for-you',
  })
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
  const err = await t.throwsAsync(secrets.request({ purpose: 'deactivate', generation: 1 }), {
    instanceOf: SecretUnavailableError,
  })
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

test('an unanswered request is re-sent with the same correlation id, with backoff, until answered', async (t) => {
  const { secrets, sent, correlationOf, sentCount } = requester(60_000, 5)
  const pending = secrets.request({ purpose: 'deactivate', generation: 4 })
  await sentCount(3)
  t.is(new Set(sent.map((_, index) => correlationOf(index))).size, 1, 'one correlation id for every copy')
  secrets.handle({ ...envelope, correlationId: correlationOf(0), ok: true, password: 'Amt-Passw0rd!' })
  t.is((await pending).reveal(), 'Amt-Passw0rd!')
  const after = sent.length
  secrets.resendPending()
  t.is(sent.length, after, 'an answered request is no longer re-sent')
})

test('after a reconnect every pending request is sent again at once (the first copy may have reached nobody)', async (t) => {
  const { secrets, sent, correlationOf } = requester()
  const first = secrets.request({ purpose: 'deactivate', generation: 1 })
  const second = secrets.request({ purpose: 'activate', generation: 1 })
  t.is(sent.length, 2)
  secrets.resendPending()
  t.deepEqual(
    sent.slice(2).map((_, index) => correlationOf(index + 2)),
    [correlationOf(0), correlationOf(1)],
  )
  secrets.handle({ ...envelope, correlationId: correlationOf(0), ok: true, password: 'Amt-Passw0rd!' })
  secrets.handle({ ...envelope, correlationId: correlationOf(1), ok: false, error: 'refused' })
  await first
  await t.throwsAsync(second, { instanceOf: SecretUnavailableError })
})

test('the timeout says how often it asked', async (t) => {
  const { secrets, sentCount } = requester(200, 5)
  const pending = secrets.request({ purpose: 'deactivate', generation: 2 })
  await sentCount(2)
  const err = await t.throwsAsync(pending, { instanceOf: SecretUnavailableError })
  t.regex(err?.message ?? '', /within 200 ms after \d+ requests \(deactivate, generation 2\)/)
})

test('a passing failure (retryable: the secret store is down) is "unavailable", not a refusal: the attempt is retried', async (t) => {
  const { secrets, correlationOf } = requester()
  const pending = secrets.request({ purpose: 'deactivate', generation: 3 })
  secrets.handle({
    ...envelope,
    correlationId: correlationOf(0),
    ok: false,
    error: 'the secret store is unavailable',
    retryable: true,
  })
  const err = await t.throwsAsync(pending, { instanceOf: SecretUnavailableError })
  t.is(err?.reason, 'unavailable')
  t.like(toRpcError(err), { name: 'SecretUnavailable', class: 'transient' })
  t.regex(err?.message ?? '', /cannot give the password now: the secret store is unavailable/)
})
