/** Exit codes of `amt-manager serve` (and `demo`). */
export const EXIT = { OK: 0, BAD_CONFIG: 1, FATAL: 2 } as const

/** A start-up failure to print as it is (with its problems, one per line); exit code 1 when it is a configuration problem. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  constructor(message: string, readonly problems: readonly string[] = [], readonly exitCode: number = EXIT.FATAL) {
    super(message)
  }
}
