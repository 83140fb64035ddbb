import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { execa, type ResultPromise } from 'execa'
import { LAUNCHER, ROOT } from '../../helpers/launchers.ts'

export { ROOT }
/** The launchers (bin/ → dist/); importing them checks that dist/ is built from the current sources. */
export const BIN = LAUNCHER

/**
 * How long an e2e step may take on a loaded 2-core machine. Every agent rpc call starts the emulator through tsx:
 * ~0.35 s idle, seconds at a load average of 12, where a step of two cold agent processes (start, amtinfo,
 * activate) took over 30 s twice (clean-clone suite runs beside other work, 2026-12-07). A bound, not a pace.
 */
export const STEP_MS = 60_000

/** A child process whose output is collected (for "never printed" checks) and which is SIGKILLed in t.teardown. */
export interface Child {
  process: ResultPromise
  /** stdout + stderr so far. */
  output(): string
  /** Resolves with the exit code (null after a signal) once the process ended. */
  exited: Promise<{ exitCode: number | null; signal: string | null }>
  kill(signal: NodeJS.Signals): void
}

export interface SpawnOptions {
  /** The child's open-files limit (soft and hard), set with prlimit(1) before node starts. */
  fdLimit?: number
}

export function spawnNode(
  t: ExecutionContext,
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Child {
  const command =
    options.fdLimit === undefined
      ? [process.execPath, script, ...args]
      : ['prlimit', `--nofile=${options.fdLimit}:${options.fdLimit}`, process.execPath, script, ...args]
  return spawnCommand(t, command, { ...env, LOG_LEVEL: 'info' })
}

/**
 * Any command as a collected, killed-in-teardown child. `extendEnv: false`: `env` is the child's whole environment
 * (e.g. a PATH without node, for the single executable).
 */
export function spawnCommand(
  t: ExecutionContext,
  command: readonly string[],
  env: Record<string, string>,
  options: { extendEnv?: boolean } = {},
): Child {
  const [file = process.execPath, ...rest] = command
  const child = execa(file, rest, {
    env,
    extendEnv: options.extendEnv ?? true,
    reject: false,
    cleanup: true,
    buffer: false,
    stdin: 'ignore',
  })
  const chunks: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  const exited = child.then((result) => ({ exitCode: result.exitCode ?? null, signal: result.signal ?? null }))
  t.teardown(async () => {
    child.kill('SIGKILL')
    await exited
  })
  return { process: child, output: () => chunks.join(''), exited, kill: (signal) => child.kill(signal) }
}

export { freePort } from '../../helpers/free-port.ts'

export async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Polls `probe` until it returns a truthy value (waiting on an observable effect, not on time); a throw counts as
 * "not yet". Fails after `timeoutMs` with the last value or error seen, or at once when `dead` (the process
 * under test) exits.
 */
export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number; dead?: Child } = {},
): Promise<T> {
  const { timeoutMs = STEP_MS, intervalMs = 100, dead } = options
  const deadline = Date.now() + timeoutMs
  let exited = false
  void dead?.exited.then(() => (exited = true))
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value) return value
      last = value
    } catch (err) {
      last = err instanceof Error ? err.message : String(err)
    }
    if (exited) throw new Error(`the process exited while waiting for ${what}:\n${dead?.output().slice(-3000) ?? ''}`)
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
