import type { ExecutionContext } from 'ava'
import { execa } from 'execa'
import type { Child } from '../../e2e/support/processes.ts'

/**
 * Any command as a child process whose output is collected and which is SIGKILLed in t.teardown (spawnNode of
 * test/e2e/support for commands that are not node). `pid` is the command's: it execs what it runs.
 */
export function spawnChild(t: ExecutionContext, argv: readonly string[]): Child & { pid: number } {
  const [file = '', ...args] = argv
  const child = execa(file, args, { reject: false, cleanup: true, buffer: false, stdin: 'ignore' })
  const chunks: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  const exited = child.then((result) => ({ exitCode: result.exitCode ?? null, signal: result.signal ?? null }))
  t.teardown(async () => {
    child.kill('SIGKILL')
    await exited
  })
  if (child.pid === undefined) throw new Error(`${file} did not start`)
  return { process: child, pid: child.pid, output: () => chunks.join(''), exited, kill: (signal) => child.kill(signal) }
}
