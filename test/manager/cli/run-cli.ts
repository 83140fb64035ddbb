import { Command } from 'commander'
import { registerClientCommands } from '../../../manager/cli/client-commands.ts'
import type { CliIo } from '../../../manager/cli/io.ts'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the client commands in process (a fresh program each time), as `amtctl <args>` with this environment. */
export async function runCli(env: Record<string, string>, args: string[]): Promise<CliRun> {
  const run = { code: 0, stdout: '', stderr: '' }
  const io: CliIo = {
    out: (text) => (run.stdout += text),
    err: (text) => (run.stderr += text),
    env,
    fetch: (input, init) => fetch(input, init),
    setExitCode: (code) => (run.code = code),
  }
  const program = registerClientCommands(new Command('amtctl'), io)
  program.exitOverride().configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
  await program.parseAsync(args, { from: 'user' })
  return run
}
