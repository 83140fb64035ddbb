import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ExecutionContext } from 'ava'
import { execa } from 'execa'
import { tempDir } from '../e2e/support/processes.ts'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Building the SEA copies and injects a ~90 MB binary; on a loaded 2-core machine that takes a while. */
export const BUILD_TIMEOUT_MS = 240_000

/** Runs one of the repository's build scripts (through tsx, as `npm run` does) and returns its output. */
export async function runScript(script: string, args: readonly string[]): Promise<string> {
  const result = await execa('npx', ['tsx', script, ...args], { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, all: true })
  return result.all
}

/** An empty root dpkg can install into (its admin directory only). */
export async function scratchRoot(t: ExecutionContext): Promise<string> {
  const root = await tempDir(t, 'amt-deb-root-')
  await mkdir(path.join(root, 'var/lib/dpkg/info'), { recursive: true })
  await mkdir(path.join(root, 'var/lib/dpkg/updates'))
  await writeFile(path.join(root, 'var/lib/dpkg/status'), '')
  await writeFile(path.join(root, 'var/lib/dpkg/available'), '')
  return root
}

/**
 * dpkg acting on a scratch root. The maintainer scripts run on this machine, not chrooted (the root has no shell),
 * with DPKG_ROOT set to the root: they must honour it. Dependencies (nodejs) are not in the scratch root's database.
 */
export async function dpkg(root: string, args: readonly string[]) {
  return execa('dpkg', [`--root=${root}`, '--force-script-chrootless', '--force-depends', ...args], {
    all: true,
    timeout: 60_000,
  })
}

/** `mode owner:group path` of every entry of `dpkg-deb --contents`, paths without the leading `.//`. */
export async function debContents(deb: string): Promise<string[]> {
  const { stdout } = await execa('dpkg-deb', ['--contents', deb])
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [mode = '', owner = '', , , , file = ''] = line.trim().split(/\s+/)
      return `${mode} ${owner} ${file.replace(/^\.\//, '')}`
    })
}

export async function debField(deb: string, field: string): Promise<string> {
  return (await execa('dpkg-deb', ['--field', deb, field])).stdout.trim()
}
