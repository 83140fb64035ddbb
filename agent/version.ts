import pkg from '../package.json' with { type: 'json' }

/** The agent's version as reported in `presence` and by `amt-agent version`. */
export const AGENT_VERSION: string = pkg.version
