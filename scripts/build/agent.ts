/**
 * The agent as ONE file for nodes: dist/amt-agent.mjs (esbuild bundle of agent/cli.ts with its dependencies,
 * minified, source map next to it), executable, started as `node --lite-mode`.
 *
 * Why a bundle and lite mode (docs/benchmarks.md, agent memory): run through the tsx launcher the idle agent
 * held ~97 MiB (the loader's own thread and transform caches); bundled ~68 MiB; with V8's lite mode (no
 * optimizing compiler: the agent spends its life waiting for MQTT and rpc) ~62 MiB; without mqtt-packet's
 * packet-id Buffer cache (agent/connect-options.ts) ~54.5 MiB; parsing with zod/mini (schemas/mini/) and mqtt.js'
 * ws/SOCKS transports required on use (mqtt-lazy-transports.ts) ~53.1 MiB. A node then needs Node.js
 * and this one file, no node_modules (docs/agent-deployment.md).
 */
import { chmod } from 'node:fs/promises'
import { build } from 'esbuild'
import { COMMON_OPTIONS } from './common.ts'
import { mqttLazyTransports } from './mqtt-lazy-transports.ts'

export const AGENT_FILE = 'amt-agent.mjs'

export async function buildAgent(outfile: string, define: Record<string, string>): Promise<void> {
  await build({
    ...COMMON_OPTIONS,
    define,
    entryPoints: ['agent/cli.ts'],
    outfile,
    bundle: true,
    minify: true,
    legalComments: 'linked',
    plugins: [mqttLazyTransports],
    banner: {
      // `env -S` passes the V8 flag (NODE_OPTIONS does not accept it); bundled CommonJS dependencies need `require`.
      js: [
        '#!/usr/bin/env -S node --lite-mode --no-expose-wasm',
        "import { createRequire as amtCreateRequire } from 'node:module';",
        'const require = amtCreateRequire(import.meta.url);',
      ].join('\n'),
    },
  })
  await chmod(outfile, 0o755)
}
