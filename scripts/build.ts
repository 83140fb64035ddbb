/**
 * `npm run build`: everything that ships, into dist/ (docs/architecture.md "Build and launchers").
 *   dist/amt-manager.mjs, dist/amt-broker.mjs, dist/chunk-*.mjs   the services and their CLIs (node_modules needed)
 *   dist/amt-agent.mjs                                            the agent as one file for nodes (no node_modules)
 *   dist/amt-agent-simulate.mjs                                   its fleet simulator (`amt-agent simulate` imports it)
 *   dist/dm-manager.proto                                         the gRPC bridge's descriptor (read at run time)
 *   dist/console-assets/app.js, app.css                           the web console's browser bundle (read at start)
 *   dist/build-info.json                                          version and commit; written last (the stamp)
 * Source maps sit next to each file. The commit comes from AMT_BUILD_COMMIT, else from git (with `-dirty` when the
 * work tree differs), else none (a copy without .git): `--version` prints it when known.
 *
 *   npm run build [-- --out-dir <dir>]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { VERSION } from '../lib/build-info.ts'
import { AGENT_FILE, buildAgent } from './build/agent.ts'
import { BUILD_INFO_FILE, type BuildInfo } from './build/build-info-file.ts'
import { buildCommit } from './build/commit.ts'
import { buildConsole } from './build/console.ts'
import { buildServices } from './build/services.ts'

const { values: args } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } })
const outdir = args['out-dir']

const { commit, define } = await buildCommit()

await rm(outdir, { recursive: true, force: true })
await mkdir(outdir, { recursive: true })
await Promise.all([
  buildServices(outdir, define),
  buildAgent(path.join(outdir, AGENT_FILE), define),
  buildConsole(outdir),
])
const info: BuildInfo = {
  version: VERSION,
  ...(commit === undefined ? {} : { commit }),
  builtAt: new Date().toISOString(),
}
await writeFile(path.join(outdir, BUILD_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`)
console.log(`built ${outdir}/ (${VERSION}${commit === undefined ? '' : ` ${commit}`})`)
