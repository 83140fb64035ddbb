#!/usr/bin/env node
// Launcher of the agent CLI: runs dist/amt-agent.mjs (`npm run build`); development runs `npx tsx agent/cli.ts`.
import { runDist } from './run-dist.js'

await runDist('amt-agent', 'run')
