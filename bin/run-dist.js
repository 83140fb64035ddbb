// What the three launchers share: run a CLI built by `npm run build` into dist/ (docs/architecture.md, "Build and
// launchers"). Plain JavaScript on purpose: it runs before anything is compiled and needs no dependency.
import { fileURLToPath } from 'node:url'

/**
 * Imports dist/<name>.mjs, which acts on import. `serviceCommand` (serve, run) is the command that runs a service:
 * SIGHUP never kills it, not even while it loads (once loaded, lib/service-lifecycle.ts handles and logs SIGHUP),
 * and its stack traces point into the TypeScript sources (source maps; client commands skip their cost).
 */
export async function runDist(name, serviceCommand) {
  if (process.argv[2] === serviceCommand) {
    process.on('SIGHUP', () => undefined)
    process.setSourceMapsEnabled(true)
  }
  const entry = new URL(`../dist/${name}.mjs`, import.meta.url)
  try {
    await import(entry.href)
  } catch (err) {
    const file = fileURLToPath(entry)
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(file)) throw err
    process.stderr.write(`${name}: ${file} is missing: build it first with \`npm run build\`\n`)
    process.exitCode = 1
  }
}
