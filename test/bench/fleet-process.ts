/**
 * A service of the fleet benchmarks (manager, broker) as a child process: `node <bin> serve --config <file>`, its
 * output appended to a log file, ready once `ready()` says so, stopped with SIGTERM (SIGKILL after a grace time).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync } from 'node:fs'
import { pollUntil } from './fleet-env.ts'

/** Every process spawned here dies with this process, whatever way it ends (hard time limit included). */
const spawned = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of spawned) child.kill('SIGKILL')
})

export interface ServiceSpawn {
  /** What is spawned, for errors. */
  name: string
  bin: string
  configFile: string
  logFile: string
  /** Extra node options (e.g. --cpu-prof). */
  nodeOptions?: readonly string[]
  /** A command the service runs under (e.g. `prlimit --nofile=4096:4096 --`). */
  launcher?: readonly string[]
  /** Asked every 50 ms until true. */
  ready: () => Promise<boolean>
  timeoutMs: number
}

export interface ServiceProcess {
  pid: number
  /** When spawn was called (ms since the epoch). */
  spawnedAt: number
  /** When ready() first said true. */
  readyAt: number
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the time the exit took. */
  stop(graceMs?: number): Promise<number>
  readonly exited: boolean
}

export async function startService(service: ServiceSpawn): Promise<ServiceProcess> {
  const spawnedAt = Date.now()
  const out = openSync(service.logFile, 'a')
  let child: ChildProcess
  try {
    const [command = process.execPath, ...prefix] = [...(service.launcher ?? []), process.execPath]
    child = spawn(
      command,
      [...prefix, ...(service.nodeOptions ?? []), service.bin, 'serve', '--config', service.configFile],
      { stdio: ['ignore', out, out] },
    )
  } finally {
    closeSync(out)
  }
  spawned.add(child)
  let exited = false
  const exit = once(child, 'exit').then(() => {
    spawned.delete(child)
    exited = true
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`the ${service.name} did not start`)
  const { at: readyAt } = await pollUntil(
    async () => {
      if (exited) throw new Error(`the ${service.name} exited; see ${service.logFile}`)
      return (await service.ready()) ? true : undefined
    },
    `the ${service.name} to be ready`,
    service.timeoutMs,
    50,
  )
  return {
    pid,
    spawnedAt,
    readyAt,
    get exited() {
      return exited
    },
    async stop(graceMs = 30_000) {
      const began = Date.now()
      if (exited) return 0
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exit
      clearTimeout(killer)
      return Date.now() - began
    },
  }
}

/** true when `url` answers 200 (false when it answers otherwise or not at all). */
export const answers200 = (url: string): Promise<boolean> =>
  fetch(url).then(
    (response) => response.status === 200,
    () => false,
  )
