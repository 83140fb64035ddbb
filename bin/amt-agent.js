#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources run as they are, then hands over to the agent CLI.
import { register } from 'tsx/esm/api'

register()
await import('../agent/cli.ts')
