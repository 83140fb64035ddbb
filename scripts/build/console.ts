import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  bundleConsoleClient,
  CONSOLE_ASSET_FILES,
  type ConsoleAssetKind,
} from '../../manager/console/assets/client-bundle.ts'

/** The web console's browser assets into <outdir>/console-assets/, where the bundled manager reads them. */
export async function buildConsole(outdir: string): Promise<void> {
  const dir = path.join(outdir, 'console-assets')
  await mkdir(dir, { recursive: true })
  const contents = await bundleConsoleClient()
  for (const kind of Object.keys(CONSOLE_ASSET_FILES) as ConsoleAssetKind[])
    await writeFile(path.join(dir, CONSOLE_ASSET_FILES[kind]), contents[kind])
}
