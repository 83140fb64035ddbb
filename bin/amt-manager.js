#!/usr/bin/env node
// Launcher of the manager CLI: runs dist/amt-manager.mjs (`npm run build`); development runs `npx tsx manager/cli.ts`.
import { runDist } from './run-dist.js'

await runDist('amt-manager', 'serve')
