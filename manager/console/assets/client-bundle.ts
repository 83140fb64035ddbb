import { fileURLToPath } from 'node:url'

/**
 * The console's browser bundle: client/main.ts (and what it imports) as one minified ES module, and
 * client/console.css, both for evergreen browsers. `npm run build` writes them into dist/console-assets/
 * (scripts/build/console.ts); run from source (tsx, tests), the manager bundles them in memory at start.
 * esbuild is a build tool: it is imported only here, only when this runs.
 */

/** The files a console page loads, by their name in dist/console-assets/. */
export const CONSOLE_ASSET_FILES = { script: 'app.js', style: 'app.css' } as const
export type ConsoleAssetKind = keyof typeof CONSOLE_ASSET_FILES

const ENTRIES: Record<ConsoleAssetKind, string> = {
  script: fileURLToPath(new URL('../client/main.ts', import.meta.url)),
  style: fileURLToPath(new URL('../client/console.css', import.meta.url)),
}

/** Bundles both files; returns their contents by kind. */
export async function bundleConsoleClient(): Promise<Record<ConsoleAssetKind, Uint8Array>> {
  const { build } = await import('esbuild')
  const bundle = async (kind: ConsoleAssetKind): Promise<Uint8Array> => {
    const result = await build({
      entryPoints: [ENTRIES[kind]],
      bundle: true,
      minify: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: ['chrome120', 'firefox120', 'safari17'],
      outfile: CONSOLE_ASSET_FILES[kind],
      logLevel: 'warning',
    })
    const [file] = result.outputFiles
    if (file === undefined) throw new Error(`esbuild wrote no output for ${ENTRIES[kind]}`)
    return file.contents
  }
  return { script: await bundle('script'), style: await bundle('style') }
}
