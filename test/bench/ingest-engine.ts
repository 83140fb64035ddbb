/**
 * The Inventory engines of the ingest benchmark (ingest.ts): a SQLite file (WAL, as the manager opens it) or a
 * PostgreSQL database on a private server started here with fsync, synchronous commit and full page writes ON
 * (PostgreSQL's defaults, as in production). `connect()` opens one more connection to the same store: a replica's
 * Inventory. The server's CPU (postmaster + backends, from /proc) is the database's share of a message's cost.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openPostgresPool } from '../../manager/database/postgres-pool.ts'
import type { Inventory } from '../../manager/inventory/port.ts'
import { openPostgresInventory } from '../../manager/inventory/postgres/open.ts'
import { IN_MEMORY, openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { startPostgres } from '../helpers/postgres-server.ts'
import { processTreeCpuMs } from './machine.ts'

export type EngineName = 'sqlite' | 'postgres'

export interface BenchEngine {
  name: EngineName
  /** For the header: what the store is. */
  label: string
  /** A new connection (pool) to the store named `store` (created at first use); close() releases it. */
  connect(store: string): Promise<Inventory>
  /** CPU time of the database server's processes so far, ms (PostgreSQL; undefined for SQLite, in process). */
  serverCpuMs(): Promise<number | undefined>
  close(): Promise<void>
}

/** PostgreSQL server binaries present (Debian's postgresql package, or PG_BINDIR)? */
export async function postgresInstalled(): Promise<boolean> {
  if (process.env['PG_BINDIR']) return existsSync(path.join(process.env['PG_BINDIR'], 'postgres'))
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return false
  return (await readdir(root)).some((version) => existsSync(path.join(root, version, 'bin', 'postgres')))
}

export async function openEngine(name: EngineName, options: { memory: boolean }): Promise<BenchEngine> {
  return name === 'sqlite' ? openSqlite(options.memory) : openPostgres()
}

async function openSqlite(memory: boolean): Promise<BenchEngine> {
  const dataDir = memory ? IN_MEMORY : await mkdtemp(path.join(tmpdir(), 'amt-ingest-bench-'))
  return {
    name: 'sqlite',
    label: memory ? 'SQLite in memory' : 'SQLite file (WAL, synchronous=NORMAL)',
    connect: (store) => openSqliteInventory({ dataDir: dataDir === IN_MEMORY ? dataDir : path.join(dataDir, store) }),
    serverCpuMs: () => Promise.resolve(undefined),
    close: async () => {
      if (dataDir !== IN_MEMORY) await rm(dataDir, { recursive: true, force: true })
    },
  }
}

async function openPostgres(): Promise<BenchEngine> {
  const server = await startPostgres({ durable: true })
  const databases = new Map<string, Promise<string>>()
  const pid = server.pid
  return {
    name: 'postgres',
    label: 'PostgreSQL 15, private server on a unix socket, fsync + synchronous_commit ON',
    async connect(store) {
      const url = databases.get(store) ?? server.createDatabase(`ingest_${store}`)
      databases.set(store, url)
      const pool = await openPostgresPool({ url: await url, applicationName: 'ingest-bench' })
      const inventory = await openPostgresInventory({ pool })
      const close = async (): Promise<void> => {
        await inventory.close()
        await pool.end()
      }
      return new Proxy(inventory, {
        get(target, key) {
          if (key === 'close') return close
          const value: unknown = Reflect.get(target, key, target)
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
        },
      })
    },
    serverCpuMs: () => (pid === undefined ? Promise.resolve(undefined) : processTreeCpuMs(pid)),
    close: () => server.stop(),
  }
}
