/**
 * Builds the agent as ONE executable with the Node.js runtime embedded, for nodes without Node.js: dist/amt-agent
 * (Node's single executable applications). Node 20 runs a single executable's script as CommonJS, so the entry is
 * agent/sea-main.ts (no top-level await), bundled by esbuild into one CommonJS file; `node
 * --experimental-sea-config` turns it into a blob that postject injects into a copy of the node binary running
 * this script (the runtime that gets embedded: Node ≥ 20 built with single-executable support, as the official
 * and NodeSource builds are). The copy is stripped of its debug symbols first when `strip` (binutils) is there.
 * Licence texts of the bundled dependencies go next to it (<outfile>.LEGAL.txt).
 *
 *   npm run build:agent-sea [-- <outfile>]   → install dist/amt-agent as /usr/bin/amt-agent (docs/agent-deployment.md)
 */
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { execa } from 'execa'
import { buildCommit } from './build/commit.ts'

const OUTFILE = process.argv[2] ?? 'dist/amt-agent'
/** The fuse postject flips in the node binary to make it run the injected blob (Node's documented value). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

const work = await mkdtemp(join(tmpdir(), 'amt-agent-sea-'))
try {
  if (!(await readFile(process.execPath)).includes(`${SEA_FUSE}:0`)) {
    throw new Error(`${process.execPath} (Node ${process.version}) has no single-executable support to embed`)
  }
  const script = join(work, 'amt-agent.cjs')
  const { define } = await buildCommit()
  await build({
    define,
    entryPoints: [fileURLToPath(new URL('../agent/sea-main.ts', import.meta.url))],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'external',
    logLevel: 'warning',
  })
  const blob = join(work, 'amt-agent.blob')
  const seaConfig = join(work, 'sea-config.json')
  await writeFile(seaConfig, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }))
  await execa(process.execPath, ['--experimental-sea-config', seaConfig])

  await rm(OUTFILE, { force: true })
  await copyFile(process.execPath, OUTFILE)
  await chmod(OUTFILE, 0o755)
  const stripped = await execa('strip', ['--strip-all', OUTFILE], { reject: false })
  if (stripped.failed)
    console.warn(`not stripped (${stripped.shortMessage ?? 'strip failed'}): the executable is larger`)
  // postject warns about ELF notes it does not know on every build; its output matters only when it fails.
  const injected = await execa('postject', [OUTFILE, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {
    preferLocal: true,
    reject: false,
    all: true,
  })
  if (injected.failed) throw new Error(`postject failed:\n${injected.all ?? injected.shortMessage ?? ''}`)
  await copyFile(`${script}.LEGAL.txt`, `${OUTFILE}.LEGAL.txt`)
  console.log(`built ${OUTFILE} (Node ${process.version} embedded)`)
} finally {
  await rm(work, { recursive: true, force: true })
}
