import type { ExecutionContext } from 'ava'
import { spawnCommand, type Child } from '../../e2e/support/processes.ts'

/**
 * Any command as a child process whose output is collected and which is SIGKILLed in t.teardown (spawnCommand of
 * test/e2e/support), with its pid: the command's own, as it execs what it runs.
 */
export function spawnChild(t: ExecutionContext, argv: readonly string[]): Child & { pid: number } {
  const child = spawnCommand(t, argv, {})
  const pid = child.process.pid
  if (pid === undefined) throw new Error(`${argv[0] ?? ''} did not start`)
  return { ...child, pid }
}
