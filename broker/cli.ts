import { Command } from 'commander'
import { exitOnUsageErrors } from '../lib/cli-usage.ts'
import { endQuietlyOnClosedPipe } from '../lib/closed-pipe.ts'
import { versionText } from '../lib/build-info.ts'

/**
 * amt-broker CLI.
 *   amt-broker serve --config <file>     run the broker (exit 0 on SIGTERM/SIGINT, 1 bad config, 2 start failed;
 *                                        SIGHUP reloads the credentials file)
 *   amt-broker hash-password < secret    print the scrypt hash of the password read from stdin
 *   amt-broker --version                 the package version (and the commit, for a build that knows it)
 * Passwords are never accepted as arguments (they would show in `ps` and shell history).
 */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** One trailing line break (from `echo` or a file) is not part of the password. */
export function passwordFromInput(input: string): string {
  return input.replace(/\r?\n$/, '')
}

const program = new Command('amt-broker')
  .description('MQTT broker for AMT activation fleets')
  .version(versionText(), '-V, --version')
  .showHelpAfterError()
  // `amt-broker hash-password < f | head -c 10`: a reader that went away ends a command quietly (not `serve`)
  .hook('preAction', (_program, command) => {
    if (command.name() !== 'serve') endQuietlyOnClosedPipe()
  })

program
  .command('serve')
  .description('run the broker')
  .requiredOption('-c, --config <file>', 'YAML configuration file')
  .action(async ({ config }: { config: string }) => {
    const { serve } = await import('./serve.ts')
    process.exit(await serve(config, { printProblem: (line) => process.stderr.write(`${line}\n`) }))
  })

program
  .command('hash-password')
  .description('read a password from stdin and print its scrypt hash for the credentials file')
  .action(async () => {
    if (process.stdin.isTTY) process.stderr.write('password (end with Ctrl-D): ')
    const password = passwordFromInput(await readStdin())
    if (password.length === 0) {
      process.stderr.write('amt-broker: empty password on stdin\n')
      process.exitCode = 1
      return
    }
    const { hashPassword } = await import('./auth/password-hash.ts')
    process.stdout.write(`${await hashPassword(password)}\n`)
  })

await exitOnUsageErrors(program).parseAsync(process.argv)
