#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources run as they are, then hands over to the broker CLI.
import { register } from 'tsx/esm/api'

// SIGHUP never kills the service, not even while tsx loads it; once loaded, its lifecycle handles (and logs)
// SIGHUP: lib/service-lifecycle.ts.
if (process.argv[2] === 'serve') process.on('SIGHUP', () => undefined)
register()
await import('../broker/cli.ts')
