/**
 * The agent as ONE file for nodes: dist/amt-agent.mjs (esbuild bundle of agent/cli.ts with its dependencies,
 * minified, source map next to it), executable, started as `node --lite-mode`. The fleet simulator (`amt-agent
 * simulate`) is its own file next to it, dist/amt-agent-simulate.mjs, imported only by that command.
 *
 * Why a bundle and lite mode (docs/benchmarks.md, agent memory): run through the tsx launcher the idle agent
 * held ~97 MiB (the loader's own thread and transform caches); bundled ~68 MiB; with V8's lite mode (no
 * optimizing compiler: the agent spends its life waiting for MQTT and rpc) ~62 MiB; without mqtt-packet's
 * packet-id Buffer cache (agent/connect-options.ts) ~54.5 MiB; parsing with zod/mini (schemas/mini/) and mqtt.js'
 * ws/SOCKS transports required on use (mqtt-lazy-transports.ts) ~53.1 MiB. The simulator apart: V8 holds a
 * bundle's whole source for as long as the process runs and parses all of it at start (a parse zone of 11 MB for
 * 1.3 MB), so its 470 KB (classic zod among them) cost an agent that never simulates. A node then needs Node.js
 * and this one file, no node_modules (docs/agent-deployment.md).
 */
import { chmod } from 'node:fs/promises'
import path from 'node:path'
import { build, type Metafile, type Plugin } from 'esbuild'
import { COMMON_OPTIONS } from './common.ts'
import { mqttLazyTransports } from './mqtt-lazy-transports.ts'

export const AGENT_FILE = 'amt-agent.mjs'
const AGENT_SIMULATOR_FILE = 'amt-agent-simulate.mjs'

/** The one import of the simulator (agent/simulate/cli-command.ts), and the file it becomes in the bundle. */
const SIMULATOR_SOURCE = { importer: path.join('agent', 'simulate', 'cli-command.ts'), path: './run-simulation.ts' }

/** Bundled CommonJS dependencies need `require` in an ES module. */
const REQUIRE_BANNER = [
  "import { createRequire as amtCreateRequire } from 'node:module';",
  'const require = amtCreateRequire(import.meta.url);',
]

/** The simulator's import stays an import, of the simulator's own file next to the bundle. */
const simulatorApart: Plugin = {
  name: 'simulator-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/run-simulation\.ts$/ }, (args) =>
      args.importer.endsWith(SIMULATOR_SOURCE.importer) && args.path === SIMULATOR_SOURCE.path
        ? { path: `./${AGENT_SIMULATOR_FILE}`, external: true }
        : undefined,
    )
  },
}

export async function buildAgent(outfile: string, define: Record<string, string>): Promise<void> {
  const [agent] = await Promise.all([
    build({
      ...COMMON_OPTIONS,
      define,
      entryPoints: ['agent/cli.ts'],
      outfile,
      bundle: true,
      minify: true,
      legalComments: 'linked',
      metafile: true,
      plugins: [mqttLazyTransports, simulatorApart],
      banner: {
        // `env -S` passes the V8 flag (NODE_OPTIONS does not accept it).
        js: ['#!/usr/bin/env -S node --lite-mode --no-expose-wasm', ...REQUIRE_BANNER].join('\n'),
      },
    }),
    build({
      ...COMMON_OPTIONS,
      define,
      entryPoints: ['agent/simulate/run-simulation.ts'],
      outfile: path.join(path.dirname(outfile), AGENT_SIMULATOR_FILE),
      bundle: true,
      minify: true,
      legalComments: 'linked',
      plugins: [mqttLazyTransports],
      banner: { js: REQUIRE_BANNER.join('\n') },
    }),
  ])
  assertNoClassicZod(agent.metafile)
  await chmod(outfile, 0o755)
}

/**
 * The agent parses with zod/mini; classic zod (the contract's schemas, for the manager), once evaluated, holds an
 * idle agent's memory for nothing (docs/benchmarks.md, agent memory). One value import of a contract module brings
 * it back, as the rotation's constants once did, so the build refuses it.
 */
function assertNoClassicZod(metafile: Metafile): void {
  const classic = Object.keys(metafile.inputs).filter((input) => /node_modules\/zod\/v4\/classic\//.test(input))
  if (classic.length === 0) return
  const importers = Object.entries(metafile.inputs)
    .filter(
      ([file, { imports }]) => !file.includes('node_modules/') && imports.some((i) => /\/zod\/index/.test(i.path)),
    )
    .map(([file]) => file)
  throw new Error(
    `the agent's bundle contains classic zod (${classic.length} files), imported by ${importers.join(', ')}: ` +
      'import zod/mini schemas (schemas/mini/) or constants from zod-free modules (schemas/wire-rules.ts) instead',
  )
}
