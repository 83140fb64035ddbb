import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { createLogger, type Logger } from '../../lib/log.ts'
import { SERVICE_EXIT, StartupError, type Loaded } from '../../lib/service-exit.ts'
import { runService, type RunningService, type ServiceOptions } from '../../lib/service-lifecycle.ts'
import { FakeProcess } from '../helpers/fake-process.ts'

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

/** runService as a service `test` with a loaded configuration and `log` as its root logger. */
type TestServiceOptions = Partial<ServiceOptions<unknown>> & {
  log: Logger
  process: FakeProcess
  start: () => Promise<RunningService>
}

function run(options: TestServiceOptions): Promise<number> {
  const { log, start, ...rest } = options
  return runService({ name: 'test', load: () => ({ ok: true, config: {} }), logger: () => log, start, ...rest })
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
  const exitCode = run({ log, start: () => Promise.resolve(running), process: proc })
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
  const exitCode = run({ log, start: () => Promise.resolve(running), process: proc })
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
  void run({ log, start: () => Promise.resolve(running), process: proc })
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
    const exitCode = run({ log, start: () => Promise.resolve(running), process: proc })
    await new Promise((resolve) => setImmediate(resolve))
    proc.emit(event, new Error('boom'))
    await next('fatal error: stopping')
    t.deepEqual(calls, ['stop'])
    finishStop()
    t.is(await exitCode, SERVICE_EXIT.FATAL, event)
  }
})

test('a signal during start-up stops right after it; a failed start → its StartupError’s code, else 2', async (t) => {
  const proc = new FakeProcess()
  const { log, next } = capturedLog()
  const { running, calls, finishStop } = service()
  let started: (value: RunningService) => void = () => undefined
  const exitCode = run({ log, start: () => new Promise((resolve) => (started = resolve)), process: proc })
  await new Promise((resolve) => setImmediate(resolve)) // the configuration loaded: starting
  proc.emit('SIGTERM', 'SIGTERM')
  await next('signal received during start-up')
  proc.emit('SIGHUP', 'SIGHUP')
  await next('SIGHUP ignored: not running')
  started(running)
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
  t.deepEqual(calls, ['stop'])

  const start = () => Promise.reject(new Error('port taken'))
  const startFailed = () => Promise.reject(new StartupError('port taken', [], 7))
  t.is(await run({ log, start: startFailed, process: new FakeProcess(), stderr: () => undefined }), 7)
  t.is(await run({ log, start, process: new FakeProcess(), stderr: () => undefined }), SERVICE_EXIT.FATAL)
})

test('SIGHUP reopens a log file (after logrotate moved it): new lines go to a new file at the old path', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-lifecycle-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'service.log')
  const destination = pino.destination({ dest: file, sync: true })
  const log = createLogger({ name: 'test', level: 'info', destination })
  const proc = new FakeProcess()
  const { running, finishStop } = service()
  const exitCode = run({ log, start: () => Promise.resolve(running), process: proc })
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

/** The lines runService printed (its `stderr`). */
function printedLines(): { lines: string[]; print: (line: string) => void } {
  const lines: string[] = []
  return { lines, print: (line) => lines.push(line) }
}

test('a load failure prints `<name>: <heading>` and every problem, starts and listens to nothing → 1', async (t) => {
  const proc = new FakeProcess()
  const { lines, print } = printedLines()
  let started = false
  const problems = ['broker.url: Invalid URL', 'reconcile.maxAttempts: Too small: expected number to be >0']
  const exitCode = await runService({
    name: 'amt-test',
    load: (): Loaded<unknown> => ({ ok: false, heading: 'invalid configuration /etc/amt/test.yaml:', problems }),
    logger: () => {
      throw new Error('no logger without a configuration')
    },
    start: () => {
      started = true
      return Promise.resolve(service().running)
    },
    stderr: print,
    process: proc,
  })
  t.is(exitCode, SERVICE_EXIT.BAD_CONFIG)
  t.deepEqual(lines, [
    'amt-test: invalid configuration /etc/amt/test.yaml:',
    '  broker.url: Invalid URL',
    '  reconcile.maxAttempts: Too small: expected number to be >0',
  ])
  t.false(started)
  for (const event of ['SIGTERM', 'SIGINT', 'SIGHUP', 'uncaughtException']) {
    t.is(proc.listenerCount(event), 0, `no ${event} listener without a configuration`)
  }
})

test('a failed start prints `<name>: cannot start: <message>` + its problems, logged fatal, → its code', async (t) => {
  const { log, next } = capturedLog()
  const { lines, print } = printedLines()
  const problems = ['integrators.0.password: Required']
  const message = 'invalid integrators file /etc/amt/integrators.yaml'
  const badFile = new StartupError(message, problems, SERVICE_EXIT.BAD_CONFIG)
  const start = () => Promise.reject(badFile)
  t.is(await run({ log, start, stderr: print, process: new FakeProcess() }), SERVICE_EXIT.BAD_CONFIG)
  t.deepEqual(lines, [`test: cannot start: ${message}`, '  integrators.0.password: Required'])
  await next('start-up failed')

  lines.length = 0
  const portTaken = () => Promise.reject(new Error('listen EADDRINUSE: address already in use 127.0.0.1:1883'))
  t.is(await run({ log, start: portTaken, stderr: print, process: new FakeProcess() }), SERVICE_EXIT.FATAL)
  t.deepEqual(lines, ['test: cannot start: listen EADDRINUSE: address already in use 127.0.0.1:1883'])
})

test('the lifecycle logs through the `main` child of the root logger the configuration built', async (t) => {
  const records: Array<Record<string, unknown>> = []
  const write = (line: string) => records.push(JSON.parse(line) as Record<string, unknown>)
  const log = createLogger({ name: 'test', level: 'info', destination: { write } })
  const proc = new FakeProcess()
  const { running, finishStop } = service()
  let rootGiven: Logger | undefined
  const exitCode = runService({
    name: 'test',
    load: () => ({ ok: true, config: { level: 'info' } }),
    logger: ({ level }) => {
      t.is(level, 'info', 'built from the loaded configuration')
      return log
    },
    start: (_config, root) => {
      rootGiven = root
      return Promise.resolve(running)
    },
    process: proc,
  })
  await new Promise((resolve) => setImmediate(resolve))
  proc.emit('SIGTERM', 'SIGTERM')
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
  t.is(rootGiven, log, 'start gets the root logger')
  t.like(
    records.find((record) => record.msg === 'signal received: stopping'),
    { module: 'main', signal: 'SIGTERM' },
  )
})

test('a service that ends by itself (`ended`) is stopped in order and the process exits with its code', async (t) => {
  const proc = new FakeProcess()
  const { log, next } = capturedLog()
  let end: (exitCode: number) => void = () => undefined
  const { running, calls, finishStop } = service({ ended: new Promise((resolve) => (end = resolve)) })
  const exitCode = run({ log, start: () => Promise.resolve(running), process: proc })
  await new Promise((resolve) => setImmediate(resolve))
  t.deepEqual(calls, [], 'runs until it ends')
  end(1)
  await next('ended: stopping')
  t.deepEqual(calls, ['stop'])
  proc.emit('SIGINT', 'SIGINT')
  t.is(await proc.exited, SERVICE_EXIT.FATAL, 'a signal while it stops is a second one: exits at once')
  finishStop()
  t.is(await exitCode, 1)
})

test('`ended` after a signal changes nothing (→ 0); a rejected `ended` is a fatal error (→ 2)', async (t) => {
  const { log, next } = capturedLog()
  const signalled = new FakeProcess()
  let end: (exitCode: number) => void = () => undefined
  const first = service({ ended: new Promise((resolve) => (end = resolve)) })
  const exitCode = run({ log, start: () => Promise.resolve(first.running), process: signalled })
  await new Promise((resolve) => setImmediate(resolve))
  signalled.emit('SIGTERM', 'SIGTERM')
  await next('signal received: stopping')
  end(1)
  first.finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
  t.deepEqual(signalled.exits, [])

  const failing = new FakeProcess()
  let fail: (err: Error) => void = () => undefined
  const second = service({ ended: new Promise((_resolve, reject) => (fail = reject)) })
  const failed = run({ log, start: () => Promise.resolve(second.running), process: failing })
  await new Promise((resolve) => setImmediate(resolve))
  fail(new Error('the plan broke'))
  await next('fatal error: stopping')
  t.deepEqual(second.calls, ['stop'])
  second.finishStop()
  t.is(await failed, SERVICE_EXIT.FATAL)
})

test('hangUp `stop` (a foreground program): SIGHUP stops it in order → 0; a second SIGHUP exits at once', async (t) => {
  const proc = new FakeProcess()
  const { log, messages, next } = capturedLog()
  const reloads: string[] = []
  const { running, calls, finishStop } = service({ reload: () => Promise.resolve(void reloads.push('reload')) })
  const exitCode = run({ log, start: () => Promise.resolve(running), process: proc, hangUp: 'stop' })
  await new Promise((resolve) => setImmediate(resolve))
  proc.emit('SIGHUP', 'SIGHUP')
  await next('signal received: stopping')
  t.deepEqual(calls, ['stop'])
  proc.emit('SIGHUP', 'SIGHUP')
  t.is(await proc.exited, SERVICE_EXIT.FATAL)
  finishStop()
  t.is(await exitCode, SERVICE_EXIT.OK)
  t.deepEqual(reloads, [], 'SIGHUP reloads nothing')
  t.false(
    messages().some((msg) => msg.startsWith('SIGHUP')),
    'SIGHUP is a stop signal, not a reload',
  )
})
