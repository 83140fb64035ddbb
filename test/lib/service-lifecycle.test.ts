import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { createLogger, type Logger } from '../../lib/log.ts'
import { runService, SERVICE_EXIT, type RunningService } from '../../lib/service-lifecycle.ts'

/** A stand-in for `process`: signals and fatal errors are emitted by the test; `exit` is recorded. */
class FakeProcess extends EventEmitter {
  readonly exits: number[] = []
  readonly exited = new Promise<number>((resolve) => this.once('test:exit', resolve))
  exit(code: number): void {
    this.exits.push(code)
    this.emit('test:exit', code)
  }
}

function capturedLog(): { log: Logger; messages: () => string[]; next: (msg: string) => Promise<void> } {
  const lines: Array<{ msg: string }> = []
  const events = new EventEmitter()
  const destination = {
    write(line: string) {
      const parsed = JSON.parse(line) as { msg: string }
      lines.push(parsed)
      events.emit('line', parsed.msg)
    },
  }
  const next = async (msg: string): Promise<void> => {
    while (!lines.some((line) => line.msg.startsWith(msg))) await once(events, 'line')
  }
  const log = createLogger({ name: 'test', level: 'debug', destination })
  return { log, messages: () => lines.map((line) => line.msg), next }
}

/** A service whose stop() waits until the test lets it finish. */
function service(extra: Partial<RunningService> = {}) {
  const calls: string[] = []
  let finishStop: () => void = () => undefined
  const stopped = new Promise<void>((resolve) => (finishStop = resolve))
  const running: RunningService = {
    stop: async () => {
      calls.push('stop')
      await stopped
    },
    ...extra,
  }
  return { running, calls, finishStop }
}

test('SIGHUP without reload(): logged as ignored, the service keeps running; SIGTERM then stops it → 0', async (t) => {
  const proc = new FakeProcess()
  const { log, messages, next } = capturedLog()
  const { running, calls, finishStop } = service()
  const exitCode = runService({ log, start: () => Promise.resolve(running), process: proc })
  await new Promise((resolve) => setImmediate(resolve))
  proc.emit('SIGHUP', 'SIGHUP')
  await next('SIGHUP ignored: nothing to reload')
  t.deepEqual(calls, [], 'not stopped')
  proc.emit('SIGTERM', 'SIGTERM')
  await next('signal received: stopping')
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
  t.deepEqual(proc.exits, [])
  t.true(messages().indexOf('SIGHUP ignored: nothing to reload (configuration changes need a restart)') >= 0)
})

test('SIGHUP with reload(): reloads one after the other; a failed reload is logged and the service runs on', async (t) => {
  const proc = new FakeProcess()
  const { log, messages, next } = capturedLog()
  let reloads = 0
  const { running, calls, finishStop } = service({
    reload: () => {
      reloads += 1
      return reloads === 1 ? Promise.resolve() : Promise.reject(new Error('file vanished'))
    },
  })
  const exitCode = runService({ log, start: () => Promise.resolve(running), process: proc })
  await new Promise((resolve) => setImmediate(resolve))
  proc.emit('SIGHUP', 'SIGHUP')
  proc.emit('SIGHUP', 'SIGHUP')
  await next('SIGHUP: reload failed')
  t.is(reloads, 2)
  t.deepEqual(calls, [])
  t.is(messages().filter((msg) => msg === 'SIGHUP: reloading').length, 2)
  proc.emit('SIGINT', 'SIGINT')
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
})

test('a second SIGTERM during a slow stop exits at once with 2', async (t) => {
  const proc = new FakeProcess()
  const { log, next } = capturedLog()
  const { running, calls } = service()
  void runService({ log, start: () => Promise.resolve(running), process: proc })
  await new Promise((resolve) => setImmediate(resolve))
  proc.emit('SIGTERM', 'SIGTERM')
  await next('signal received: stopping')
  t.deepEqual(calls, ['stop'])
  proc.emit('SIGTERM', 'SIGTERM')
  t.is(await proc.exited, SERVICE_EXIT.FATAL)
  await next('second signal: exiting at once')
})

test('an uncaught exception or unhandled rejection is logged fatal, stops the service, → 2', async (t) => {
  for (const event of ['uncaughtException', 'unhandledRejection']) {
    const proc = new FakeProcess()
    const { log, next } = capturedLog()
    const { running, calls, finishStop } = service()
    const exitCode = runService({ log, start: () => Promise.resolve(running), process: proc })
    await new Promise((resolve) => setImmediate(resolve))
    proc.emit(event, new Error('boom'))
    await next('fatal error: stopping')
    t.deepEqual(calls, ['stop'])
    finishStop()
    t.is(await exitCode, SERVICE_EXIT.FATAL, event)
  }
})

test('a signal during start-up stops right after it; a failed start returns startFailed’s code', async (t) => {
  const proc = new FakeProcess()
  const { log, next } = capturedLog()
  const { running, calls, finishStop } = service()
  let started: (value: RunningService) => void = () => undefined
  const exitCode = runService({ log, start: () => new Promise((resolve) => (started = resolve)), process: proc })
  proc.emit('SIGTERM', 'SIGTERM')
  await next('signal received during start-up')
  proc.emit('SIGHUP', 'SIGHUP')
  await next('SIGHUP ignored: not running')
  started(running)
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
  t.deepEqual(calls, ['stop'])

  const start = () => Promise.reject(new Error('port taken'))
  t.is(await runService({ log, start, startFailed: () => 7, process: new FakeProcess() }), 7)
  t.is(await runService({ log, start, process: new FakeProcess() }), SERVICE_EXIT.FATAL)
})

test('SIGHUP reopens a log file (after logrotate moved it): new lines go to a new file at the old path', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-lifecycle-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'service.log')
  const destination = pino.destination({ dest: file, sync: true })
  const log = createLogger({ name: 'test', level: 'info', destination })
  const proc = new FakeProcess()
  const { running, finishStop } = service()
  const exitCode = runService({ log, start: () => Promise.resolve(running), process: proc })
  log.info('before rotation')
  await rename(file, `${file}.1`)
  proc.emit('SIGHUP', 'SIGHUP')
  await once(destination, 'ready')
  log.info('after rotation')
  t.regex(await readFile(`${file}.1`, 'utf8'), /before rotation/)
  const current = await readFile(file, 'utf8')
  t.regex(current, /"logFileReopened":true.*"msg":"SIGHUP: log file reopened; nothing to reload/)
  t.regex(current, /after rotation/)
  proc.emit('SIGTERM', 'SIGTERM')
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
})
