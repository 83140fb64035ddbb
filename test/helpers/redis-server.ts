import { execa, type ResultPromise } from 'execa'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { freePort } from './free-port.ts'

/**
 * A private redis-server for tests (Debian's redis-server): its own temp dir, no persistence (`--save ''
 * --appendonly no`), a unix socket in that dir (no port race) and TCP on a loopback port from freePort. One server
 * per test, never shared: Redis pub/sub (mqemitter-redis) ignores database numbers, so separate DBs would not keep
 * two tests' brokers apart. It can be killed and started again on the same socket and port (outage tests).
 * A missing redis-server fails with what to install, never skips.
 */
export interface RedisServerOptions {
  /** `requirepass`: clients must AUTH with it. */
  password?: string
  /** How long to wait for the server to answer PING; default 30 s (a cold start on a loaded machine). */
  startTimeoutMs?: number
  /** `client-output-buffer-limit` for pub/sub clients ("hard soft seconds"); default Redis' own (32mb 8mb 60). */
  pubsubOutputLimit?: string
}

export interface RunningRedis {
  /** The unix socket (ioredis `path`). */
  readonly socketPath: string
  readonly port: number
  /** redis://127.0.0.1:<port> */
  readonly url: string
  /** The running server's process id (its memory and CPU time, for benchmarks); undefined while it is stopped. */
  readonly pid: number | undefined
  /** Everything the server wrote to stdout and stderr, across restarts. */
  output(): string
  /** Stops the process (default SIGTERM) and waits for it to exit; a no-op when stopped. */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Starts it again with the same socket and port (empty: nothing was persisted). */
  start(): Promise<void>
  /** kill('SIGKILL') and removal of the temp dir (t.teardown does it too). */
  stop(): Promise<void>
}

const BINARY = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((file) => existsSync(file))
const PORT_ATTEMPTS = 5

/** Starts a redis-server; resolves once it answers PING on its socket. Stopped in t.teardown. */
export async function startRedis(t: ExecutionContext, options: RedisServerOptions = {}): Promise<RunningRedis> {
  const redis = await startRedisServer(options)
  t.teardown(() => redis.stop())
  return redis
}

/** Starts a redis-server for a script (a benchmark): the caller stops it (`stop()`). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedis> {
  if (BINARY === undefined)
    throw new Error('redis-server not found in /usr/bin or /usr/local/bin: apt-get install redis-server')
  const binary = BINARY
  const timeoutMs = options.startTimeoutMs ?? 30_000
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-redis-'))
  const socketPath = path.join(dir, 'redis.sock')
  const chunks: string[] = []
  let child: ResultPromise | null = null
  let exited: Promise<unknown> = Promise.resolve()
  let port = 0

  const kill = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const current = child
    child = null
    if (current === null) return
    current.kill(signal)
    await exited
  }
  const stop = async (): Promise<void> => {
    await kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }

  const args = (): string[] =>
    [
      ['--port', String(port)],
      ['--bind', '127.0.0.1'],
      ['--unixsocket', socketPath],
      ['--unixsocketperm', '700'],
      ['--dir', dir],
      ['--save', ''],
      ['--appendonly', 'no'],
      ['--daemonize', 'no'],
      ['--logfile', ''],
      ...(options.password === undefined ? [] : [['--requirepass', options.password]]),
      ...(options.pubsubOutputLimit === undefined
        ? []
        : [['--client-output-buffer-limit', `pubsub ${options.pubsubOutputLimit}`]]),
    ].flat()

  /** Spawns and waits for PING; 'in-use' when it exited because the port was taken. */
  const launch = async (): Promise<'ok' | 'in-use'> => {
    const mark = chunks.length
    const current = execa(binary, args(), { reject: false, cleanup: true, buffer: false, stdin: 'ignore' })
    const record = (chunk: Buffer) => chunks.push(chunk.toString('utf8'))
    current.stdout?.on('data', record)
    current.stderr?.on('data', record)
    child = current
    let gone = false
    exited = current.then(() => (gone = true))
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (gone) {
        child = null
        const said = chunks.slice(mark).join('')
        if (/address already in use/i.test(said)) return 'in-use'
        throw new Error(`redis-server exited at start (${binary} ${args().join(' ')}):\n${said.slice(-3000)}`)
      }
      if (await answersPing(socketPath)) return 'ok'
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    if (child === current) await kill('SIGKILL')
    throw new Error(`redis-server did not answer PING within ${timeoutMs} ms:\n${chunks.join('').slice(-3000)}`)
  }

  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      if ((await launch()) === 'ok') break
      if (attempt >= PORT_ATTEMPTS) throw new Error(`redis-server: no free port after ${PORT_ATTEMPTS} attempts`)
    }
  } catch (error) {
    await stop()
    throw error
  }

  const start = async (): Promise<void> => {
    if (child !== null) throw new Error('redis-server is running; kill() it first')
    const deadline = Date.now() + timeoutMs
    while ((await launch()) === 'in-use') {
      if (Date.now() > deadline) throw new Error(`redis-server: port ${port} still in use after ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  return {
    socketPath,
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid
    },
    output: () => chunks.join(''),
    kill,
    start,
    stop,
  }
}

/** One PING over the socket: `+PONG`, or `-NOAUTH` from a server with a password, both mean it is up. */
function answersPing(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return Promise.resolve(false)
  return new Promise((resolve) => {
    const socket: Socket = connect(socketPath)
    let reply = ''
    const done = (up: boolean) => {
      socket.destroy()
      resolve(up)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once('error', () => done(false))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8')
      if (reply.includes('\r\n')) done(/^(\+PONG|-NOAUTH)/.test(reply))
    })
    socket.write('PING\r\n')
  })
}
