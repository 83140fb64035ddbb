import { createAgentProgram } from './cli-program.ts'
import { SERVICE_EXIT } from '../lib/service-exit.ts'

/**
 * Entry point of the single executable `dist/amt-agent` (scripts/build-agent-sea.ts). Node 20 runs a single
 * executable's script as CommonJS, where top-level await does not exist: the promise is handled here instead, and
 * an unexpected failure is printed and exits FATAL (2).
 */
createAgentProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`amt-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(SERVICE_EXIT.FATAL)
  })
