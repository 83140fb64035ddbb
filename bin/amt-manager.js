#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources run as they are, then hands over to the manager CLI.
import { register } from 'tsx/esm/api'

register()
await import('../manager/cli.ts')
