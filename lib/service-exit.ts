import type { Logger } from './log.ts'

/**
 * Exit codes of the services and of the demo (`amt-manager serve|demo`, `amt-agent run`, `amt-broker serve`):
 * 1 is a problem only the operator can fix (systemd's `RestartPreventExitStatus=1` does not loop on it), 2 a
 * failure a restart may cure.
 */
export const SERVICE_EXIT = { OK: 0, BAD_CONFIG: 1, FATAL: 2 } as const

/** A line printer: one call per line, without the line break (stderr by default). */
export type PrintLine = (line: string) => void

export const printToStderr: PrintLine = (line) => process.stderr.write(`${line}\n`)

/**
 * A failed start to print as it is: its message, then its problems one per line; exit 1 when it is a configuration
 * problem (a bad integrators file), else 2 (a port in use, a broker that did not answer in time).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
    readonly exitCode: number = SERVICE_EXIT.FATAL,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** What a service's `load` found wrong: printed as `<name>: <heading>` and one indented line per problem; exit 1. */
export interface LoadFailure {
  ok: false
  heading: string
  problems: readonly string[]
}

/** The configuration a service starts from, or why it cannot. */
export type Loaded<C> = { ok: true; config: C } | LoadFailure

/** A config loader's result as a service's `load` returns it: problems under `invalid configuration <file>:`. */
export function loadedFrom<C>(
  file: string,
  result: { ok: true; config: C } | { ok: false; problems: readonly string[] },
): Loaded<C> {
  return result.ok ? result : { ok: false, heading: `invalid configuration ${file}:`, problems: result.problems }
}

/** `<name>: <heading>`, then every problem on its own indented line. */
export function printLoadFailure(name: string, { heading, problems }: Omit<LoadFailure, 'ok'>, print: PrintLine): void {
  print(`${name}: ${heading}`)
  for (const problem of problems) print(`  ${problem}`)
}

/**
 * Prints a failed start (`<name>: cannot start: <message>`, then a StartupError's problems), logs it fatal, and
 * names its exit code: the StartupError's, else 2.
 */
export function reportStartFailure(name: string, err: unknown, log: Logger, print: PrintLine): number {
  const problems = err instanceof StartupError ? err.problems : []
  printLoadFailure(name, { heading: `cannot start: ${messageOf(err)}`, problems }, print)
  log.fatal({ err, problems }, 'start-up failed')
  return err instanceof StartupError ? err.exitCode : SERVICE_EXIT.FATAL
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
