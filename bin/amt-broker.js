#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources run as they are, then hands over to the broker CLI.
import { register } from 'tsx/esm/api'

register()
await import('../broker/cli.ts')
