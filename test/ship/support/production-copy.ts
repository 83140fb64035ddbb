import { lstatSync } from 'node:fs'
import { copyFile, cp, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { DIST, ROOT } from '../../helpers/launchers.ts'

/** npm ci may compile or fetch; on a loaded 2-core machine with a cold cache that takes minutes. */
export const INSTALL_TIMEOUT_MS = 600_000

/**
 * What a release holds, copied into `dir` as `git archive` would (the files git tracks, plus new ones not ignored,
 * so an uncommitted change is tested too), with the dist/ that `npm run build` made in the repository: a release
 * is built once, then installed.
 */
export async function copyRelease(dir: string): Promise<void> {
  const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
  const files = listed.stdout.split('\0').filter((file) => file !== '' && isRegularFile(path.join(ROOT, file)))
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
    await copyFile(path.join(ROOT, file), path.join(dir, file))
  }
  await cp(DIST, path.join(dir, 'dist'), { recursive: true })
}

/** Not a deleted file nor a symbolic link (a work tree's node_modules link to another checkout's). */
function isRegularFile(file: string): boolean {
  try {
    return lstatSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * better-sqlite3's install script (prebuild-install) downloads a prebuilt binary, else compiles SQLite (~4 min on
 * a loaded 2-core machine without network). The binary the development install already has is offered to it as a
 * local prebuild (prebuild-install's `<package>_local_prebuilds` option, as an air-gapped site would mirror them),
 * so the test installs in seconds. Returns the environment for npm; a name that does not match (another libc)
 * only costs the compile.
 */
export async function localSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const moduleDir = path.join(ROOT, 'node_modules/better-sqlite3')
  const { version } = JSON.parse(await readFile(path.join(moduleDir, 'package.json'), 'utf8')) as { version: string }
  const stage = path.join(dir, 'stage')
  await mkdir(path.join(stage, 'build/Release'), { recursive: true })
  await copyFile(path.join(moduleDir, 'build/Release/better_sqlite3.node'), path.join(stage, 'build/Release/better_sqlite3.node'))
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  await execa('tar', ['-czf', path.join(dir, name), '-C', stage, 'build'])
  return { npm_config_better_sqlite3_local_prebuilds: dir }
}

/** The production install: the locked production dependencies only, install scripts on, from the npm cache. */
export async function installProduction(dir: string, env: Record<string, string>): Promise<void> {
  const args = ['ci', '--omit=dev', '--ignore-scripts=false', '--prefer-offline', '--no-audit', '--no-fund']
  await execa('npm', args, { cwd: dir, env, timeout: INSTALL_TIMEOUT_MS, stdin: 'ignore' })
}
