import { execa, type ResultPromise } from 'execa'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { freePort } from './free-port.ts'

/**
 * A real Mosquitto process for tests (Debian's mosquitto 2, /usr/sbin/mosquitto): its own config and files in a
 * temp dir, an ephemeral loopback port (never 1883, where the Debian package may run a system service), killed
 * and cleaned up in t.teardown. It can be killed (SIGTERM or SIGKILL) and started again on the SAME port, e.g. to
 * test reconnects.
 */
export interface MosquittoOptions {
  /** Entries of the password file (made with `mosquitto_passwd -b`). Given: `password_file` is set. */
  users?: ReadonlyArray<{ username: string; password: string }>
  /** Text of the `acl_file`. Given: `acl_file` is set. */
  acl?: string
  /** Default: false when users are given, true otherwise. */
  allowAnonymous?: boolean
  /** `persistence true` with its db in the temp dir (retained messages and sessions survive a restart). */
  persistence?: boolean
  /**
   * More config lines, appended as they are (plugin lines, limits, `log_type all` ...). Keep logging to stderr with
   * at least `notice`: start-up waits for the "running" line (and reloadAcl for "Reloading config").
   */
  extraConfig?: readonly string[]
  /** How long to wait for the process to accept TCP connections, default 30 s (≥ a cold start on a busy machine). */
  startTimeoutMs?: number
}

export interface RunningMosquitto {
  readonly port: number
  /** mqtt://127.0.0.1:<port> */
  readonly url: string
  /** The temp dir holding mosquitto.conf, passwd, acl and the persistence db. */
  readonly dir: string
  readonly configFile: string
  /** The current process's pid; undefined while stopped. */
  readonly pid: number | undefined
  /** Everything the broker wrote to stderr/stdout, across restarts. */
  output(): string
  /** Stops the process (default SIGTERM) and waits for it to exit. A no-op when stopped. */
  kill(signal?: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): Promise<void>
  /** Starts it again on the same port with the same config (retries while the port is still in use). */
  start(): Promise<void>
  /** kill(signal) then start(). */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Rewrites the acl file and makes the running broker reload it (SIGHUP); resolves once reloaded. */
  reloadAcl(text: string): Promise<void>
}

const BINARY = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((file) => existsSync(file)) ?? 'mosquitto'
const PASSWD_BINARY =
  ['/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd'].find((file) => existsSync(file)) ??
  'mosquitto_passwd'
const PORT_ATTEMPTS = 5

/** Starts mosquitto on a free loopback port; resolves once it accepts TCP connections. Stopped in t.teardown. */
export async function startMosquitto(t: ExecutionContext, options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-mosquitto-'))
  const configFile = path.join(dir, 'mosquitto.conf')
  const aclFile = path.join(dir, 'acl')
  const timeoutMs = options.startTimeoutMs ?? 30_000
  let child: ResultPromise | null = null
  let exited: Promise<unknown> = Promise.resolve()
  const chunks: string[] = []
  t.teardown(async () => {
    await kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  if (options.users !== undefined && options.users.length > 0)
    await writePasswords(path.join(dir, 'passwd'), options.users)
  if (options.acl !== undefined) await writeFile(aclFile, options.acl)

  const kill = async (signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' = 'SIGTERM'): Promise<void> => {
    const current = child
    child = null
    if (current === null) return
    current.kill(signal)
    await exited
  }

  const spawn = (port: number): void => {
    const current = execa(BINARY, ['-c', configFile], {
      reject: false,
      cleanup: true,
      buffer: false,
      stdin: 'ignore',
      all: false,
    })
    current.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
    current.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
    child = current
    exited = current.then(() => undefined)
    chunks.push(`--- mosquitto started on port ${port} (pid ${String(current.pid)}) ---\n`)
  }

  /** Spawns and waits until the port accepts; 'in-use' when the process exited because the port was taken. */
  const launch = async (port: number): Promise<'ok' | 'in-use'> => {
    const mark = chunks.length
    spawn(port)
    const current = child
    let gone = false
    void exited.then(() => (gone = true))
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (gone) {
        child = null
        const said = chunks.slice(mark).join('')
        if (/address already in use/i.test(said)) return 'in-use'
        throw new Error(`mosquitto exited at start (${BINARY} -c ${configFile}):\n${said.slice(-3000)}`)
      }
      // "running" is logged once every listener is open: a foreign listener on the port cannot pass for ours.
      if (/ running\b/.test(chunks.slice(mark).join('')) && (await accepts(port))) return 'ok'
      await pause(50)
    }
    if (child === current) await kill('SIGKILL')
    throw new Error(
      `mosquitto did not accept connections on port ${port} within ${timeoutMs} ms:\n${output().slice(-3000)}`,
    )
  }

  const output = (): string => chunks.join('')
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    await writeFile(configFile, configText(port, dir, options))
    if ((await launch(port)) === 'ok') break
    if (attempt >= PORT_ATTEMPTS) throw new Error(`mosquitto: no free port after ${PORT_ATTEMPTS} attempts`)
  }

  /** The same port again: a port in TIME_WAIT or just released may refuse for a moment; retried until the timeout. */
  const start = async (): Promise<void> => {
    if (child !== null) throw new Error('mosquitto is running; kill() it first')
    const deadline = Date.now() + timeoutMs
    while ((await launch(port)) === 'in-use') {
      if (Date.now() > deadline) throw new Error(`mosquitto: port ${port} still in use after ${timeoutMs} ms`)
      await pause(200)
    }
  }

  const reloadAcl = async (text: string): Promise<void> => {
    await writeFile(aclFile, text)
    const current = child
    if (current === null) return
    const mark = output().length
    current.kill('SIGHUP')
    const deadline = Date.now() + timeoutMs
    // mosquitto logs "Reloading config." on SIGHUP (log_type notice, on by default in configText).
    while (!/reloading config/i.test(output().slice(mark))) {
      if (Date.now() > deadline) throw new Error('mosquitto did not reload its config')
      await pause(20)
    }
  }

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    configFile,
    get pid() {
      return child?.pid
    },
    output,
    kill,
    start,
    async restart(signal = 'SIGTERM') {
      await kill(signal)
      await start()
    },
    reloadAcl,
  }
}

function configText(port: number, dir: string, options: MosquittoOptions): string {
  const withUsers = options.users !== undefined && options.users.length > 0
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${String(options.allowAnonymous ?? !withUsers)}`,
    // As root, mosquitto 2 drops to the `mosquitto` user, which cannot read our 0700 temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...(withUsers ? [`password_file ${path.join(dir, 'passwd')}`] : []),
    ...(options.acl !== undefined ? [`acl_file ${path.join(dir, 'acl')}`] : []),
    ...(options.persistence === true
      ? ['persistence true', `persistence_location ${dir}${path.sep}`]
      : ['persistence false']),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    ...(options.extraConfig ?? []),
    '',
  ]
  return lines.join('\n')
}

async function writePasswords(
  file: string,
  users: ReadonlyArray<{ username: string; password: string }>,
): Promise<void> {
  await writeFile(file, '', { mode: 0o600 })
  for (const { username, password } of users)
    await execa(PASSWD_BINARY, ['-b', file, username, password], { stdin: 'ignore' })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** The poll interval between checks of an observable effect (never a wait for the effect itself). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
