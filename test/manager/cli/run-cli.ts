import { Command } from 'commander'
import { registerClientCommands } from '../../../manager/cli/client-commands.ts'
import type { CliIo } from '../../../manager/cli/io.ts'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the client commands in process (a fresh program each time), as `amtctl <args>` with this environment (stdout
 * a terminal with `isTTY`; `onOut` hears every write to stdout as it happens).
 */
export async function runCli(
  env: Record<string, string>,
  args: string[],
  options: { isTTY?: boolean; onOut?: (text: string) => void } = {},
): Promise<CliRun> {
  const run = { code: 0, stdout: '', stderr: '' }
  const io: CliIo = {
    out: (text) => {
      run.stdout += text
      options.onOut?.(text)
    },
    err: (text) => (run.stderr += text),
    env,
    fetch: (input, init) => fetch(input, init),
    setExitCode: (code) => (run.code = code),
    ...(options.isTTY === undefined ? {} : { isTTY: options.isTTY }),
  }
  const program = registerClientCommands(new Command('amtctl'), io)
  program.exitOverride().configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
  await program.parseAsync(args, { from: 'user' })
  return run
}
