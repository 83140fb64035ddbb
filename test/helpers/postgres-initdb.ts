import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chown, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'

/** Where initialised clusters are kept: the checkout's .tmp/ (.gitignored; a clean clone starts without). */
const CACHE_DIR = fileURLToPath(new URL('../../.tmp/postgres-initdb/', import.meta.url))
const SUPERUSER = 'postgres'
const INITDB_ARGS = ['-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-sync']
const ENV = { LC_ALL: 'C.UTF-8' }

interface ServerUser {
  uid: number
  gid: number
}

/**
 * Puts a fresh cluster into `dataDir` (which must not exist), as `initdb -D dataDir` would: initdb's cluster of
 * these binaries, options and server user is made ONCE per checkout and copied for every server (`cp -a` keeps
 * modes and owners). initdb costs about a second of CPU, more on a loaded machine; the copy, a few milliseconds.
 * Concurrent first calls (ava's workers) each run initdb into a staging directory; the first rename wins, the others
 * use its cluster. A cluster whose rename did not happen is never used.
 */
export async function initCluster(bin: string, dataDir: string, user: ServerUser | undefined): Promise<void> {
  const template = await initializedCluster(bin, user)
  await execa('cp', ['-a', template, dataDir])
}

async function initializedCluster(bin: string, user: ServerUser | undefined): Promise<string> {
  const initdb = path.join(bin, 'initdb')
  const { mtimeMs } = await stat(path.join(bin, 'postgres'))
  const key = createHash('sha256')
    .update(JSON.stringify([bin, mtimeMs, INITDB_ARGS, ENV, user?.uid ?? process.getuid?.()]))
    .digest('hex')
    .slice(0, 16)
  const cluster = path.join(CACHE_DIR, key)
  if (existsSync(cluster)) return cluster
  await mkdir(CACHE_DIR, { recursive: true })
  const staging = await mkdtemp(path.join(CACHE_DIR, 'staging-'))
  try {
    if (user) await chown(staging, user.uid, user.gid)
    const data = path.join(staging, 'data')
    await execa(initdb, ['-D', data, ...INITDB_ARGS], { ...(user ?? {}), env: ENV })
    await rename(data, cluster).catch((err: NodeJS.ErrnoException) => {
      // another worker's cluster is there first: equal to this one, use it
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err
    })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return cluster
}
