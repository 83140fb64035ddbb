/**
 * Inventory benchmark (prints figures; not a test): `npx tsx test/bench/inventory.ts [hosts] [runs]`.
 * SQLite adapter on a real file in a temp dir (WAL, synchronous=NORMAL). Each figure is the median of `runs`
 * fresh databases.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { HostKey, HostPatch, HostUpdate, Inventory } from '../../manager/inventory/port.ts'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'

const HOSTS = Number(process.argv[2] ?? 10_000)
const RUNS = Number(process.argv[3] ?? 3)
const BATCH = 500

type Figures = Record<string, { ms: number; ops: number }>

const statePatch = (i: number): HostPatch => ({
  currentState: 'PROVISIONED',
  phase: 'PROVISIONED',
  status: 'AMT Activation Done',
  statusIndicator: 'IDLE',
  observedGeneration: 1,
  lastSeen: new Date().toISOString(),
  lastSeq: { state: i },
})

async function timed(figures: Figures, name: string, ops: number, run: () => Promise<unknown>): Promise<void> {
  const start = process.hrtime.bigint()
  await run()
  figures[name] = { ms: Number(process.hrtime.bigint() - start) / 1e6, ops }
}

async function once(dir: string): Promise<Figures> {
  const inventory: Inventory = await openSqliteInventory({ dataDir: dir })
  const figures: Figures = {}
  try {
    await inventory.createTenant({ tenantId: 'bulk' })
    await inventory.createTenant({ tenantId: 'single' })
    const keys = (tenantId: string): HostKey[] =>
      Array.from({ length: HOSTS }, (_, i) => ({ tenantId, hostId: `host-${String(i).padStart(6, '0')}` }))
    const bulk = keys('bulk')
    const single = keys('single')

    await timed(figures, `createHost x${HOSTS} (one call each)`, HOSTS, async () => {
      for (const key of single) await inventory.createHost(key)
    })
    await timed(figures, `createHosts, batches of ${BATCH}`, HOSTS, async () => {
      for (let i = 0; i < HOSTS; i += BATCH) await inventory.createHosts(bulk.slice(i, i + BATCH))
    })
    await timed(figures, `setDesiredMany(filter: tenant) -> ${HOSTS} hosts`, HOSTS, () =>
      inventory.setDesiredMany(
        { filter: { tenantId: 'bulk' } },
        { desiredState: 'PROVISIONED', activationRequestedAt: new Date().toISOString() },
      ),
    )
    await timed(figures, `setDesiredMany(keys) -> ${HOSTS} hosts`, HOSTS, () =>
      inventory.setDesiredMany({ keys: single }, { desiredState: 'PROVISIONED' }),
    )
    await timed(figures, `updateHost x${HOSTS} (one transaction each)`, HOSTS, async () => {
      for (const [i, key] of single.entries()) await inventory.updateHost(key, statePatch(i))
    })
    await timed(figures, `updateHosts, batches of ${BATCH}`, HOSTS, async () => {
      for (let i = 0; i < HOSTS; i += BATCH) {
        const updates: HostUpdate[] = bulk.slice(i, i + BATCH).map((key, j) => ({ key, patch: statePatch(i + j) }))
        await inventory.updateHosts(updates)
      }
    })
    await timed(figures, `getHost x${HOSTS}`, HOSTS, async () => {
      for (const key of bulk) await inventory.getHost(key)
    })
    await timed(figures, `listHosts, all ${2 * HOSTS} in pages of 1000`, 2 * HOSTS, async () => {
      let cursor: string | undefined
      do cursor = (await inventory.listHosts({ limit: 1000, cursor })).nextCursor ?? undefined
      while (cursor !== undefined)
    })
    await timed(figures, 'countHosts (all tenants)', 1, () => inventory.countHosts())
  } finally {
    await inventory.close()
  }
  return figures
}

const median = (values: number[]): number =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'inventory-bench-'))
  const runs: Figures[] = []
  try {
    for (let run = 0; run < RUNS; run++) runs.push(await once(path.join(root, `run-${run}`)))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  const probe = new Database(':memory:')
  const sqlite = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  probe.close()
  console.log(
    `machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
  )
  console.log(
    `node ${process.version}, SQLite ${sqlite}, hosts ${HOSTS}, median of ${RUNS} runs, file in ${os.tmpdir()}`,
  )
  console.log(
    `load average at the end (1/5/15 min): ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' / ')}`,
  )
  console.log('| operation | ms | ops/s |')
  console.log('|---|---:|---:|')
  for (const name of Object.keys(runs[0] ?? {})) {
    const ms = median(runs.map((figures) => figures[name]?.ms ?? Number.NaN))
    const ops = runs[0]?.[name]?.ops ?? 0
    console.log(
      `| ${name} | ${ms.toFixed(1)} | ${ops > 1 ? Math.round((ops / ms) * 1000).toLocaleString('en-US') : '-'} |`,
    )
  }
}

await main()
