import { execa, type ResultPromise } from 'execa'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sleep } from '../../lib/backoff.ts'
import { freePort } from '../helpers/free-port.ts'

export interface MosquittoOptions {
  /** Sets `set_tcp_nodelay true` (Debian's default config leaves Nagle on). */
  tcpNoDelay: boolean
}

export interface RunningProcessBroker {
  port: number
  pid: number
  stop(): Promise<void>
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Starts Debian's mosquitto on an ephemeral loopback port with a temporary config; resolves once it accepts. */
export async function startMosquitto({ tcpNoDelay }: MosquittoOptions): Promise<RunningProcessBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-mosquitto-'))
  const port = await freePort()
  const config = join(dir, 'mosquitto.conf')
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `set_tcp_nodelay ${tcpNoDelay}`,
      '',
    ].join('\n'),
  )
  const child: ResultPromise = execa('mosquitto', ['-c', config], {
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'inherit',
  })
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM')
    await child
    await rm(dir, { recursive: true, force: true })
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break
    if (await accepts(port)) {
      if (child.pid === undefined) break
      return { port, pid: child.pid, stop }
    }
    await sleep(50)
  }
  await stop()
  const result = await child
  throw new Error(
    `mosquitto did not start on port ${port}: ${result.shortMessage ?? `exit ${String(result.exitCode)}`}`,
  )
}
