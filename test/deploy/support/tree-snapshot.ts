import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'

/**
 * Every entry under `root` with its type, size, mode, owner and modification time: two equal snapshots mean
 * nothing was created, removed or written there in between.
 */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {}
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      const { mode, uid, gid, size, mtimeMs } = await lstat(file)
      entries[path.relative(root, file)] = `${mode.toString(8)} ${uid}:${gid} ${size} ${mtimeMs}`
      if (entry.isDirectory()) await visit(file)
    }
  }
  await visit(root)
  return entries
}
