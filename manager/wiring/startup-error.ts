import { SERVICE_EXIT } from '../../lib/service-lifecycle.ts'

/** Exit codes of `amt-manager serve` (the services' shared codes; also the demo's). */
export const EXIT = SERVICE_EXIT

/** A start-up failure to print as it is (with its problems, one per line); exit code 1 when it is a configuration problem. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  constructor(message: string, readonly problems: readonly string[] = [], readonly exitCode: number = EXIT.FATAL) {
    super(message)
  }
}
