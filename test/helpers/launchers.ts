import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUILD_INFO_FILE } from '../../scripts/build/build-info-file.ts'

/**
 * The CLIs as users start them: the launchers in bin/, which run what `npm run build` put into dist/. A test that
 * spawns them must run the current code, so importing this module checks the build: it throws (the test file
 * fails at once, saying what to run) when dist/ is missing or older than any source it is built from. `npm test`
 * and `npm run test:e2e` build first; a single file run alone needs `npm run build` after a change.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const DIST = path.join(ROOT, 'dist')

export const LAUNCHER = {
  manager: path.join(ROOT, 'bin/amt-manager.js'),
  agent: path.join(ROOT, 'bin/amt-agent.js'),
  broker: path.join(ROOT, 'bin/amt-broker.js'),
}

/** The agent as shipped to nodes: one executable file. */
export const AGENT_BUNDLE = path.join(DIST, 'amt-agent.mjs')

/** What the build reads: every file under these (package.json for the version, scripts/build* for the how). */
const BUILD_INPUTS = [
  'agent',
  'manager',
  'broker',
  'schemas',
  'lib',
  'scripts/build',
  'scripts/build.ts',
  'package.json',
]

/** The newest input file and its modification time. */
function newestBuildInput(root = ROOT): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 }
  const visit = (file: string): void => {
    const stat = statSync(file)
    if (stat.isDirectory()) for (const entry of readdirSync(file)) visit(path.join(file, entry))
    else if (stat.mtimeMs > newest.mtimeMs) newest = { file, mtimeMs: stat.mtimeMs }
  }
  for (const input of BUILD_INPUTS) visit(path.join(root, input))
  return newest
}

/** Why dist/ under `root` cannot be trusted to be the current code, or undefined when it can. */
function staleBuildReason(root = ROOT): string | undefined {
  const stamp = path.join(root, 'dist', BUILD_INFO_FILE)
  let built: number
  try {
    built = statSync(stamp).mtimeMs
  } catch {
    return `${stamp} is missing`
  }
  const newest = newestBuildInput(root)
  return newest.mtimeMs > built ? `dist/ is older than ${path.relative(root, newest.file)}` : undefined
}

const stale = staleBuildReason()
if (stale !== undefined)
  throw new Error(`${stale}: run \`npm run build\` before tests that start the CLIs (npm test does)`)
