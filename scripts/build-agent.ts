/**
 * Builds the agent as ONE file for nodes: dist/amt-agent.mjs (esbuild bundle of agent/cli.ts with its
 * dependencies, minified, source map next to it), executable, started as `node --lite-mode`.
 *
 * Why a bundle and lite mode (docs/benchmarks.md, agent memory): run through the tsx launcher the idle agent
 * holds ~97 MiB (the loader's own thread and transform caches); bundled ~68 MiB; with V8's lite mode (no
 * optimizing compiler: the agent spends its life waiting for MQTT and rpc) ~62 MiB. A node then needs Node.js
 * and this one file, no node_modules.
 *
 *   npm run build:agent [-- <outfile>]   → install dist/amt-agent.mjs as /usr/bin/amt-agent (docs/agent-deployment.md)
 */
import { chmod } from 'node:fs/promises'
import { build } from 'esbuild'

const OUTFILE = process.argv[2] ?? 'dist/amt-agent.mjs'

await build({
  entryPoints: ['agent/cli.ts'],
  outfile: OUTFILE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  banner: {
    // `env -S` passes the V8 flag (NODE_OPTIONS does not accept it); bundled CommonJS dependencies need `require`.
    js: "#!/usr/bin/env -S node --lite-mode --no-expose-wasm\nimport { createRequire as amtCreateRequire } from 'node:module';\nconst require = amtCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
await chmod(OUTFILE, 0o755)
console.log(`built ${OUTFILE}`)
