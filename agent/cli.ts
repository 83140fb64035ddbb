import { createAgentProgram } from './cli-program.ts'

/** Entry point of `amt-agent` (ES module: dist/amt-agent.mjs, run by bin/amt-agent.js): acts on import. */
await createAgentProgram().parseAsync(process.argv)
