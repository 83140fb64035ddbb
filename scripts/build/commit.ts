import { execa } from 'execa'

async function gitCommit(): Promise<string | undefined> {
  const head = await execa('git', ['rev-parse', '--short=12', 'HEAD'], { reject: false })
  if (head.exitCode !== 0) return undefined
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { reject: false })
  return status.exitCode === 0 && status.stdout.trim() !== '' ? `${head.stdout.trim()}-dirty` : head.stdout.trim()
}

/**
 * The commit a build is made from: AMT_BUILD_COMMIT, else git (with `-dirty` when the work tree differs), else none
 * (a copy without .git); and the esbuild `define` that hands it to lib/build-info.ts.
 */
export async function buildCommit(): Promise<{ commit: string | undefined; define: Record<string, string> }> {
  const commit = process.env.AMT_BUILD_COMMIT || (await gitCommit())
  return { commit, define: commit === undefined ? {} : { AMT_BUILD_COMMIT: JSON.stringify(commit) } }
}
