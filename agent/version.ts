import { VERSION } from '../lib/build-info.ts'

/** The agent's version as reported in `presence` and by `amt-agent version`. */
export const AGENT_VERSION: string = VERSION
