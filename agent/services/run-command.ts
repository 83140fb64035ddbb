import { execa } from 'execa'
import type { Logger } from '../../lib/log.ts'
import { ServiceControlError } from './errors.ts'

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface RunCommandOptions {
  timeoutMs: number
  log: Logger
}

const STDERR_EXCERPT_CHARS = 400

/** The trimmed start of a command's stderr, for error messages and logs. */
function stderrExcerpt(stderr: string): string {
  const trimmed = stderr.trim()
  return trimmed.length > STDERR_EXCERPT_CHARS ? `${trimmed.slice(0, STDERR_EXCERPT_CHARS)}…` : trimmed
}

/**
 * Runs a fixed argv (no shell) with a timeout. Resolves with the exit code, whatever it is, so callers can
 * interpret documented non-zero exits (`systemctl is-active` exits 3 for an inactive unit). Rejects with a
 * ServiceControlError when the command cannot be spawned, times out, or dies from a signal.
 */
export async function runFixedCommand(
  argv: readonly string[],
  { timeoutMs, log }: RunCommandOptions,
): Promise<CommandResult> {
  const [file, ...args] = argv
  if (file === undefined) throw new ServiceControlError('SERVICE_COMMAND_FAILED', 'empty command')
  const shown = argv.join(' ')
  const result = await execa(file, args, {
    reject: false,
    shell: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    forceKillAfterDelay: 2_000,
    // Stable, uncoloured, unpaged, untranslated output that we can parse.
    env: { LC_ALL: 'C', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' },
    stripFinalNewline: true,
  })
  const stderr = stderrExcerpt(result.stderr)
  log.debug(
    { command: argv, exitCode: result.exitCode, durationMs: Math.round(result.durationMs), stderr },
    'command finished',
  )
  if (result.timedOut) {
    throw new ServiceControlError(
      'SERVICE_COMMAND_TIMEOUT',
      `${shown} did not finish within ${timeoutMs} ms and was killed`,
      {
        command: argv,
        stderr,
      },
    )
  }
  if (result.exitCode === undefined) {
    const reason = result.signal
      ? `was killed by ${result.signal}`
      : `could not run: ${result.originalMessage ?? result.shortMessage ?? 'unknown error'}`
    throw new ServiceControlError('SERVICE_COMMAND_FAILED', `${shown} ${reason}`, {
      command: argv,
      stderr,
      cause: result.cause,
    })
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr }
}

/** Like runFixedCommand, but a non-zero exit is a ServiceControlError too. */
export async function runFixedCommandOrThrow(
  argv: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  const result = await runFixedCommand(argv, options)
  if (result.exitCode !== 0) {
    const detail = result.stderr === '' ? '' : `: ${result.stderr}`
    throw new ServiceControlError(
      'SERVICE_COMMAND_FAILED',
      `${argv.join(' ')} exited with ${result.exitCode}${detail}`,
      {
        command: argv,
        exitCode: result.exitCode,
        stderr: result.stderr,
      },
    )
  }
  return result
}
