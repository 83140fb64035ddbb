/**
 * Host-query benchmark (prints figures; not a test): `npm run bench:hosts [-- --hosts 10000 --runs 30]`.
 * A SQLite Inventory file in a temp dir (WAL, as the manager runs it) with `--hosts` hosts of one tenant in varied
 * states (every combination of test/helpers/host-grid.ts, 1 in 100 being deleted) and a second tenant of a tenth
 * the size; times the first page (limit 50, with the total, as the API asks) of every filter, search and sort,
 * and the summary. The console's budget for its first page is 300 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os, { loadavg } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createLogger } from '../../lib/log.ts'
import { HOST_SORT_KEYS, type HostPageRequest, type HostPatch, type Inventory } from '../../manager/inventory/port.ts'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { hostGrid } from '../helpers/host-grid.ts'
import { describeMachine } from './machine.ts'
import { percentile } from './report.ts'
import { runBench } from './run-bench.ts'

const BUDGET_MS = 300
const PAGE = 50
const TENANT = 'bench'
const OVERALL_DEADLINE_MS = 600_000
const log = createLogger({ name: 'bench', level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) })

const FILTERS: readonly [string, HostPageRequest][] = [
  ['no filter', {}],
  ['sku=ISM', { sku: 'ISM' }],
  ['controlMode=ACM', { controlMode: 'ACM' }],
  ['online=false', { online: false }],
  ['phase=FAILED', { phase: 'FAILED' }],
  ['capability=NONE', { capability: 'NONE' }],
  ['condition=FAILED', { condition: 'FAILED' }],
  ['condition=PENDING_DELETION (rare)', { condition: 'PENDING_DELETION' }],
  ['search=floor-3 (1 in 7)', { search: 'floor-3' }],
  ['search=nothing-matches', { search: 'nothing-matches' }],
  ['condition=FAILED, online=true, sort=-lastSeen', { condition: 'FAILED', online: true, sort: '-lastSeen' }],
]
const SORTS: readonly [string, HostPageRequest][] = HOST_SORT_KEYS.flatMap((key) => [
  [`sort=${key}`, { sort: key }],
  [`sort=-${key}`, { sort: `-${key}` }],
])

function variedPatch(grid: readonly HostPatch[], i: number): HostPatch {
  const base = grid[(i * 7919) % grid.length] ?? {}
  return {
    ...base,
    deletion: i % 100 === 0 ? 'pending' : 'none',
    name: `ws-${i % 500}-floor-${i % 7}`,
    online: i % 4 !== 0,
    controlMode: i % 6 === 0 ? 'ACM' : 'CCM',
    lastSeen: new Date(Date.UTC(2026, 0, 1) + ((i * 104_729) % 86_400_000)).toISOString(),
    statusTimestamp: 1_767_225_600 + ((i * 31) % 86_400),
  }
}

async function fill(inventory: Inventory, tenantId: string, hosts: number): Promise<void> {
  const grid = hostGrid()
  await inventory.createTenant({ tenantId })
  for (let from = 0; from < hosts; from += 1000) {
    const keys = Array.from({ length: Math.min(1000, hosts - from) }, (_, k) => ({
      tenantId,
      hostId: `host-${String(from + k).padStart(6, '0')}`,
    }))
    await inventory.createHosts(keys)
    await inventory.updateHosts(keys.map((key, k) => ({ key, patch: variedPatch(grid, from + k) })))
  }
}

async function time(runs: number, run: () => Promise<unknown>): Promise<number[]> {
  await run() // warm: statement prepared, pages cached
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await run()
    samples.push(performance.now() - start)
  }
  return samples.sort((a, b) => a - b)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { hosts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '30' } },
  })
  const hosts = Number(values.hosts)
  const runs = Number(values.runs)
  if (!Number.isInteger(hosts) || hosts < 1 || !Number.isInteger(runs) || runs < 1)
    throw new Error('--hosts and --runs take positive integers')
  const out = (text: string): boolean => process.stdout.write(`${text}\n`)
  out(await describeMachine())
  out(
    `load average (1/5/15 min): ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  )
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amt-bench-hosts-'))
  const inventory = await openSqliteInventory({ dataDir: dir })
  try {
    const filled = performance.now()
    await fill(inventory, TENANT, hosts)
    await fill(inventory, 'neighbour', Math.ceil(hosts / 10))
    out(
      `${hosts} hosts (+${Math.ceil(hosts / 10)} in another tenant), ` +
        `filled in ${(performance.now() - filled).toFixed(0)} ms`,
    )
    out(`first page: limit ${PAGE} with the total; ${runs} runs each; budget ${BUDGET_MS} ms\n`)
    out('| query | matches | median ms | p95 ms | within budget |')
    out('|---|---:|---:|---:|---|')
    let worst = 0
    for (const [name, request] of [...FILTERS, ...SORTS]) {
      const ask = { ...request, tenantId: TENANT, limit: PAGE, withTotal: true }
      const { total } = await inventory.listHosts(ask)
      const samples = await time(runs, () => inventory.listHosts(ask))
      const [median, p95] = [percentile(samples, 50), percentile(samples, 95)]
      worst = Math.max(worst, p95)
      out(
        `| ${name} | ${total ?? '?'} | ${median.toFixed(2)} | ${p95.toFixed(2)} | ${p95 <= BUDGET_MS ? 'yes' : 'NO'} |`,
      )
    }
    const summary = await time(runs, () => inventory.summarizeHosts(TENANT))
    const [median, p95] = [percentile(summary, 50), percentile(summary, 95)]
    out(`| summary | ${hosts} | ${median.toFixed(2)} | ${p95.toFixed(2)} | ${p95 <= BUDGET_MS ? 'yes' : 'NO'} |`)
    out(`\nworst p95 of a first page: ${Math.max(worst, p95).toFixed(2)} ms (budget ${BUDGET_MS} ms)`)
  } finally {
    await inventory.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main, log, OVERALL_DEADLINE_MS)
