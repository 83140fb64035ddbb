import type { BuildOptions } from 'esbuild'

/** What every bundle of the build shares: Node 20, ES modules, source maps next to the code. */
export const COMMON_OPTIONS = {
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
} as const satisfies BuildOptions
