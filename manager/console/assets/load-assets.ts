import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { bundleConsoleClient, CONSOLE_ASSET_FILES, type ConsoleAssetKind } from './client-bundle.ts'

/** One asset held in memory: served with a content-hashed URL, so browsers may cache it for good. */
interface ConsoleAsset {
  /** e.g. `app-3f2a9c1b.js`: the URL path segment under /console/assets/. */
  name: string
  body: Buffer
  contentType: string
}

export type ConsoleAssets = Record<ConsoleAssetKind, ConsoleAsset>

const CONTENT_TYPES: Record<ConsoleAssetKind, string> = {
  script: 'text/javascript; charset=utf-8',
  style: 'text/css; charset=utf-8',
}

/** Where `npm run build` puts the assets: next to the bundled manager (dist/console-assets/). */
const BUILT_DIR = new URL('./console-assets/', import.meta.url)

/**
 * The console's script and stylesheet: read from dist/console-assets/ when the manager runs bundled, else (run
 * from source: this file is TypeScript) bundled now. A bundled manager without them fails here, at start.
 */
export async function loadConsoleAssets(): Promise<ConsoleAssets> {
  const contents = import.meta.url.endsWith('.ts') ? await bundleConsoleClient() : await readBuilt()
  return { script: assetOf('script', contents.script), style: assetOf('style', contents.style) }
}

async function readBuilt(): Promise<Record<ConsoleAssetKind, Uint8Array>> {
  const read = (kind: ConsoleAssetKind) => readFile(new URL(CONSOLE_ASSET_FILES[kind], BUILT_DIR))
  return { script: await read('script'), style: await read('style') }
}

function assetOf(kind: ConsoleAssetKind, contents: Uint8Array): ConsoleAsset {
  const body = Buffer.from(contents)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12)
  const [base, extension] = CONSOLE_ASSET_FILES[kind].split('.')
  return { name: `${base}-${hash}.${extension}`, body, contentType: CONTENT_TYPES[kind] }
}
