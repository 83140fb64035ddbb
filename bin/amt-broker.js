#!/usr/bin/env node
// Launcher of the broker CLI: runs dist/amt-broker.mjs (`npm run build`); development runs `npx tsx broker/cli.ts`.
import { runDist } from './run-dist.js'

await runDist('amt-broker', 'serve')
