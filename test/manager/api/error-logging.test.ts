import { Writable } from 'node:stream'
import test from 'ava'
import { seed, startApi } from './api-harness.ts'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  code?: string
  err?: { stack?: string }
}

/** A log destination that keeps every line the API writes, parsed. */
function logSink(): { stream: Writable; lines: () => LogLine[] } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine)
  return { stream, lines }
}

const INFO = 30
const ERROR = 50

test('expected 4xx and 501 answers are logged once at info, without a stack trace', async (t) => {
  const logs = logSink()
  const api = await startApi(t, { logDestination: logs.stream })
  await seed(api.inventory, { acme: ['node-1'] })
  const token = await api.token('admin', '*')
  const power = '/api/v1/tenants/acme/hosts/node-1/power'
  const unknown = '/api/v1/tenants/acme/hosts/nobody'
  const invalid = { token, body: {} }
  const requests = [
    { status: 401, code: 'UNAUTHENTICATED', answer: await api.request('GET', '/api/v1/tenants') },
    { status: 404, code: 'HOST_NOT_FOUND', answer: await api.request('GET', unknown, { token }) },
    { status: 400, code: 'VALIDATION_FAILED', answer: await api.request('POST', '/api/v1/tenants', invalid) },
    { status: 501, code: 'DMT_NOT_CONFIGURED', answer: await api.request('GET', power, { token }) },
  ]
  for (const { status, code, answer } of requests) {
    t.deepEqual([answer.status, answer.json.code], [status, code])
    const mine = logs.lines().filter((line) => line.reqId === answer.json.requestId)
    const refused = mine.filter((line) => line.msg === 'request refused')
    t.is(refused.length, 1, `${code}: one 'request refused' line`)
    t.like(refused[0], { level: INFO, code })
    t.false(
      mine.some((line) => line.level >= ERROR),
      `${code}: nothing at error level`,
    )
    t.false(
      mine.some((line) => JSON.stringify(line).includes('"stack"')),
      `${code}: no stack trace`,
    )
  }
})

test('a 5xx error keeps its stack trace at error level', async (t) => {
  const logs = logSink()
  const api = await startApi(t, { logDestination: logs.stream })
  const token = await api.token('admin', '*')
  await api.inventory.close()
  const answer = await api.request('GET', '/api/v1/tenants', { token })
  t.deepEqual([answer.status, answer.json.code], [503, 'STORAGE_UNAVAILABLE'])
  const failed = logs.lines().find((line) => line.reqId === answer.json.requestId && line.msg === 'request failed')
  t.is(failed?.level, ERROR)
  t.regex(failed?.err?.stack ?? '', /\n\s+at /, 'with its stack')
})
