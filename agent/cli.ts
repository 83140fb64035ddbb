import { createAgentProgram } from './cli-program.ts'

/** Entry point of `amt-agent` (ES module: bin/amt-agent.js through tsx, dist/amt-agent.mjs): acts on import. */
await createAgentProgram().parseAsync(process.argv)
