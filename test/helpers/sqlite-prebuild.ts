import { copyFile, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * better-sqlite3's install script (prebuild-install) downloads a prebuilt binary, else compiles SQLite (~4 min on
 * a loaded 2-core machine without network). The binary the development install already has is offered to it as a
 * local prebuild (prebuild-install's `<package>_local_prebuilds` option, as an air-gapped site would mirror them),
 * so a test installs in seconds. Returns the environment for npm; a name that does not match (another libc)
 * only costs the compile.
 */
export async function localSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const moduleDir = path.join(ROOT, 'node_modules/better-sqlite3')
  const { version } = JSON.parse(await readFile(path.join(moduleDir, 'package.json'), 'utf8')) as { version: string }
  const stage = path.join(dir, 'stage')
  await mkdir(path.join(stage, 'build/Release'), { recursive: true })
  const binary = 'build/Release/better_sqlite3.node'
  await copyFile(path.join(moduleDir, binary), path.join(stage, binary))
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  await execa('tar', ['-czf', path.join(dir, name), '-C', stage, 'build'])
  return { npm_config_better_sqlite3_local_prebuilds: dir }
}
