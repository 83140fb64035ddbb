import { endQuietlyOnClosedPipe } from '../../lib/closed-pipe.ts'
import { escapeForTerminal, terminalJson } from './terminal-text.ts'

/** Where CLI commands write and what they read from the environment (tests pass their own). */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  env: Readonly<Record<string, string | undefined>>
  fetch: typeof fetch
  setExitCode(code: number): void
  /** stdout is a terminal (live progress bars); absent: not. */
  isTTY?: boolean
}

/** The process's streams; a reader that went away (`| head -1`) ends the command quietly (lib/closed-pipe.ts). */
export const processIo: CliIo = {
  out: (text) => {
    endQuietlyOnClosedPipe()
    process.stdout.write(text)
  },
  err: (text) => {
    endQuietlyOnClosedPipe()
    process.stderr.write(text)
  },
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  fetch: (input, init) => fetch(input, init),
  setExitCode: (code) => {
    process.exitCode = code
  },
}

/** A failure to report in one line (no stack): exit code 1, or 2 for a usage error. */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly exitCode: number

  constructor(message: string, exitCode = 1) {
    super(message)
    this.exitCode = exitCode
  }
}

/** Runs a command body; any failure becomes one stderr line and a non-zero exit code. */
export async function runCommand(io: CliIo, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    io.err(`error: ${escapeForTerminal(message)}\n`)
    io.setExitCode(err instanceof CliError ? err.exitCode : 1)
  }
}

/** Pretty JSON; DEL, C1 and separators in strings as `\u` escapes (terminal-text.ts). */
export const printJson = (io: CliIo, value: unknown): void => io.out(`${terminalJson(value)}\n`)
