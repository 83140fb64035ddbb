import { randomBytes } from 'node:crypto'
import { link, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'

export interface AtomicWriteOptions {
  /** Create only: fail softly (false) when the file exists. */
  onlyIfAbsent?: boolean
  /** Test seam: runs after the temp file is complete and synced, before it replaces the target. */
  beforeCommit?: (tempFile: string, file: string) => void | Promise<void>
}

/**
 * Writes a file so that readers see the old content or the new one, never a part: the text goes to a temp file
 * in the same directory (mode 0600, created exclusively, fsynced), which then replaces the target by rename
 * (or, for create-only, is hard-linked to it: link fails when the target exists, atomically). The temp file is
 * removed in every case, also when the write fails half-way. Resolves false only for an existing create-only target.
 */
export async function writeFileAtomic(file: string, text: string, { onlyIfAbsent = false, beforeCommit }: AtomicWriteOptions = {}): Promise<boolean> {
  const tempFile = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(tempFile, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await beforeCommit?.(tempFile, file)
    if (onlyIfAbsent) {
      try {
        await link(tempFile, file)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
        throw err
      }
    } else {
      await rename(tempFile, file)
    }
    await syncDirectory(path.dirname(file))
    return true
  } finally {
    await rm(tempFile, { force: true })
  }
}

/** Makes the rename durable (best effort: some file systems refuse to fsync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // durability of the directory entry is best effort
  }
}
