import { lstatSync } from 'node:fs'
import { copyFile, cp, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { DIST, ROOT } from '../../helpers/launchers.ts'

export { localSqlitePrebuild } from '../../helpers/sqlite-prebuild.ts'

/** npm ci may compile or fetch; on a loaded 2-core machine with a cold cache that takes minutes. */
export const INSTALL_TIMEOUT_MS = 600_000

/**
 * What a release holds, copied into `dir` as `git archive` would (the files git tracks, plus new ones not ignored,
 * so an uncommitted change is tested too), with the dist/ that `npm run build` made in the repository: a release
 * is built once, then installed.
 */
export async function copyRelease(dir: string): Promise<void> {
  for (const file of await repositoryFiles()) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
    await copyFile(path.join(ROOT, file), path.join(dir, file))
  }
  await cp(DIST, path.join(dir, 'dist'), { recursive: true })
}

/** The repository's files as a release or a build context holds them, relative to its root. */
export async function repositoryFiles(): Promise<string[]> {
  const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
  return listed.stdout.split('\0').filter((file) => file !== '' && isRegularFile(path.join(ROOT, file)))
}

/** Not a deleted file nor a symbolic link (a work tree's node_modules link to another checkout's). */
function isRegularFile(file: string): boolean {
  try {
    return lstatSync(file).isFile()
  } catch {
    return false
  }
}

/** The production install: the locked production dependencies only, install scripts on, from the npm cache. */
export async function installProduction(dir: string, env: Record<string, string>): Promise<void> {
  const args = ['ci', '--omit=dev', '--ignore-scripts=false', '--prefer-offline', '--no-audit', '--no-fund']
  await execa('npm', args, { cwd: dir, env, timeout: INSTALL_TIMEOUT_MS, stdin: 'ignore' })
}
