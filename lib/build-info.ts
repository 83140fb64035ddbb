import pkg from '../package.json' with { type: 'json' }

/** Set by `npm run build` (esbuild `define`); not defined when the sources run through tsx. */
declare const AMT_BUILD_COMMIT: string | undefined

/** The package version every CLI reports (`--version`) and the agent publishes in `presence`. */
export const VERSION: string = pkg.version

/** The git commit the build was made from (`-dirty` when the work tree differed), when known. */
export const BUILD_COMMIT: string | undefined = typeof AMT_BUILD_COMMIT === 'string' ? AMT_BUILD_COMMIT : undefined

/** What `--version` prints: `0.1.0`, or `0.1.0 (commit 81e1cac3f2aa)` for a build that knows its commit. */
export function versionText(): string {
  return BUILD_COMMIT === undefined ? VERSION : `${VERSION} (commit ${BUILD_COMMIT})`
}
