import { execa, type ResultPromise } from 'execa'
import { appendFile, chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestFn } from 'ava'
import pg from 'pg'
import { freePort } from './free-port.ts'
import { initCluster } from './postgres-initdb.ts'

/**
 * A real PostgreSQL server for tests (Debian's postgresql-15 binaries): its own cluster in a temp dir (a copy of
 * initdb's, made once: postgres-initdb.ts), listening only on a unix socket in that dir (no TCP port, so no port
 * race), fsync off unless `durable` (tests need no durability), stopped and removed when the test file ends. Each test takes its own database (`createDatabase`).
 * Run as root (CI), the server runs as the `postgres` user, as PostgreSQL refuses root. Missing binaries fail
 * loudly, never skip.
 */
export interface PostgresServerOptions {
  /** Also listen on 127.0.0.1 (a free port) with TLS only, this certificate and key (PEM). */
  tls?: { cert: Buffer | string; key: Buffer | string }
  /** fsync, synchronous commit and full page writes on, as in production (benchmarks); default off (tests). */
  durable?: boolean
}

export interface RunningPostgres {
  /** The postmaster's process id (its backends are its children). */
  readonly pid: number | undefined
  /** The directory of the server's unix socket (libpq's `host` for a socket). */
  readonly socketDir: string
  /** With `tls`: the TCP port on 127.0.0.1 (its URLs: `tcpUrl`). */
  readonly port: number | undefined
  /** With `tls`: a URL of the database over TCP, e.g. `postgresql://postgres@localhost:<port>/<db>`. */
  tcpUrl(databaseUrl: string): string
  /** A new empty database; returns its connection URL (`postgresql://postgres@/<name>?host=<socketDir>`). */
  createDatabase(prefix?: string): Promise<string>
  /** Everything the server wrote to stderr. */
  output(): string
  /** Fast shutdown (SIGINT), then removal of the cluster's directory. */
  stop(): Promise<void>
}

const SUPERUSER = 'postgres'
/** initdb + first start on a loaded 2-core machine take a few seconds; leave ample room. */
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000

async function binDir(): Promise<string> {
  const fromEnv = process.env['PG_BINDIR']
  if (fromEnv) return fromEnv
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? (await readdir(root)).filter((name) => /^\d+$/.test(name)) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (newest === undefined || !existsSync(path.join(root, newest, 'bin', 'initdb')))
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: apt-get install postgresql')
  return path.join(root, newest, 'bin')
}

/** uid/gid of the `postgres` user when running as root (PostgreSQL refuses to run as root), else undefined. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((entry) => entry.startsWith(`${SUPERUSER}:`))
  if (!line)
    throw new Error('running as root and no "postgres" user exists to run PostgreSQL: apt-get install postgresql')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

/** Writes the server's certificate and key into its directory (the key owner-only: PostgreSQL insists). */
async function tlsSettings(
  dir: string,
  tls: NonNullable<PostgresServerOptions['tls']>,
  user: { uid: number; gid: number } | undefined,
): Promise<string[][]> {
  const [certFile, keyFile] = [path.join(dir, 'server.crt'), path.join(dir, 'server.key')]
  await writeFile(certFile, tls.cert, { mode: 0o644 })
  await writeFile(keyFile, tls.key, { mode: 0o600 })
  if (user) for (const file of [certFile, keyFile]) await chown(file, user.uid, user.gid)
  const port = await freePort()
  return [
    ['-c', 'listen_addresses=127.0.0.1'],
    ['-p', String(port)],
    ['-c', 'ssl=on'],
    ['-c', `ssl_cert_file=${certFile}`],
    ['-c', `ssl_key_file=${keyFile}`],
  ]
}

export async function startPostgres(options: PostgresServerOptions = {}): Promise<RunningPostgres> {
  const bin = await binDir()
  const user = await serverUser()
  const dir = await mkdtemp(path.join(tmpdir(), 'pg-test-'))
  const dataDir = path.join(dir, 'data')
  const socketDir = path.join(dir, 'socket')
  await mkdir(socketDir)
  if (user) for (const owned of [dir, socketDir]) await chown(owned, user.uid, user.gid)
  const asServerUser = user ? { uid: user.uid, gid: user.gid } : {}
  await initCluster(bin, dataDir, user)
  const listen = options.tls ? await tlsSettings(dir, options.tls, user) : [['-c', 'listen_addresses=']]
  if (options.tls) await appendFile(path.join(dataDir, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\n')
  const port = options.tls ? Number(listen[1]?.[1]) : undefined
  let stderr = ''
  const server: ResultPromise = execa(
    path.join(bin, 'postgres'),
    [
      ['-D', dataDir],
      ['-k', socketDir],
      ...listen,
      ...(options.durable
        ? []
        : [
            ['-c', 'fsync=off'],
            ['-c', 'synchronous_commit=off'],
            ['-c', 'full_page_writes=off'],
          ]),
      ['-c', 'max_connections=300'],
      ['-c', 'logging_collector=off'],
    ].flat(),
    { ...asServerUser, env: { LC_ALL: 'C.UTF-8' }, reject: false, buffer: false, stdin: 'ignore' },
  )
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${stderr}`)),
      START_TIMEOUT_MS,
    )
    server.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes('ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    void server.then((result) => {
      clearTimeout(timer)
      reject(new Error(`PostgreSQL exited during start (${result.exitCode ?? result.signal}):\n${stderr}`))
    })
  })
  const removeDir = () => rm(dir, { recursive: true, force: true })
  try {
    await ready
  } catch (err) {
    server.kill('SIGKILL')
    await server
    await removeDir()
    throw err
  }

  // The socket's name carries the port (.s.PGSQL.<port>): name it when it is not the default.
  const socketPort = port === undefined ? '' : `&port=${port}`
  const url = (database: string) =>
    `postgresql://${SUPERUSER}@/${database}?host=${encodeURIComponent(socketDir)}${socketPort}`
  let made = 0
  return {
    pid: server.pid,
    socketDir,
    port,
    tcpUrl(databaseUrl) {
      if (port === undefined) throw new Error('started without tls: no TCP listener')
      const name = databaseUrl.slice(databaseUrl.indexOf('@/') + 2, databaseUrl.indexOf('?'))
      return `postgresql://${SUPERUSER}@localhost:${port}/${name}`
    },
    output: () => stderr,
    async createDatabase(prefix = 'test') {
      const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++made}`
      const admin = new pg.Client({ connectionString: url('postgres') })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE "${name}"`)
      } finally {
        await admin.end()
      }
      return url(name)
    },
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT')
        const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await server
        clearTimeout(timer)
      }
      await removeDir()
    },
  }
}

/**
 * One server for the whole test file, started at the first call and stopped after its last test
 * (`test.after.always`). Returns a function that makes a fresh database per call.
 */
export function usePostgres(test: TestFn): (prefix?: string) => Promise<string> {
  let running: Promise<RunningPostgres> | undefined
  test.after.always(async () => {
    if (running) await (await running).stop()
  })
  return async (prefix) => {
    running ??= startPostgres()
    return (await running).createDatabase(prefix)
  }
}
