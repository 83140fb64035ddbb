/**
 * The manager and the standalone broker: one ES module per CLI (dist/amt-manager.mjs, dist/amt-broker.mjs) with
 * the code they share and what they load lazily split into chunks next to them (dist/chunk-*.mjs), so a client
 * command (`amt-manager hosts list`) parses only what it runs. npm packages stay external: they come from
 * node_modules (`npm ci --omit=dev`), the native better-sqlite3 among them. Every chunk sits in dist/ itself, so a
 * runtime asset a module finds next to itself (`new URL('./dm-manager.proto', import.meta.url)`) is copied there.
 */
import { copyFile } from 'node:fs/promises'
import path from 'node:path'
import { build } from 'esbuild'
import { COMMON_OPTIONS } from './common.ts'

const SERVICE_ENTRIES = { 'amt-manager': 'manager/cli.ts', 'amt-broker': 'broker/cli.ts' } as const

/** Files a bundled module reads at run time from its own directory. */
const RUNTIME_ASSETS = ['manager/grpc/dm-manager.proto'] as const

export async function buildServices(outdir: string, define: Record<string, string>): Promise<void> {
  await build({
    ...COMMON_OPTIONS,
    define,
    entryPoints: SERVICE_ENTRIES,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    packages: 'external',
  })
  for (const asset of RUNTIME_ASSETS) await copyFile(asset, path.join(outdir, path.basename(asset)))
}
