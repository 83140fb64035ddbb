/**
 * The console's pages at 10,000 hosts (issue #16: the first hosts page in ≤ 300 ms): a SQLite Inventory in a temp
 * dir filled with `--hosts` hosts of one tenant (a mix of capability reports and states), the real API server with
 * the console, and GETs over loopback HTTP as a viewer's browser makes them. Each case runs `--runs` times after
 * two warm-ups; prints median and p95 per case, and exits 1 when the first hosts page's median is over budget.
 *
 *   npm run bench:console [-- --hosts 10000 --runs 30]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createLogger, silentLogger } from '../../lib/log.ts'
import { createSessionStore } from '../../manager/api/sessions/session-store.ts'
import { ConsoleSection } from '../../manager/config/console.ts'
import { createApiServer } from '../../manager/api/server.ts'
import { issueToken } from '../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../manager/api/tokens/token-store.ts'
import { loadConsoleAssets } from '../../manager/console/assets/load-assets.ts'
import { consolePlugin } from '../../manager/console/plugin.ts'
import { createManagerCore } from '../../manager/core/manager-core.ts'
import type { HostPatch, HostUpdate, Inventory } from '../../manager/inventory/port.ts'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../manager/metrics/metrics.ts'
import { capable, notCapable, RecordingOutbound } from '../helpers/manager-core.ts'
import { runBench } from './run-bench.ts'

const FIRST_PAGE_BUDGET_MS = 300
const TENANT = 'fleet'
const BATCH = 500
const { values: args } = parseArgs({
  options: { hosts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '30' } },
})
const hosts = Number(args.hosts)
const runs = Number(args.runs)
const out = (text: string): boolean => process.stdout.write(`${text}\n`)

/** Host i's stored state: most provisioned AMT, some activating, failed, not capable, ISM or never reported. */
function patchOf(hostId: string, i: number): HostPatch {
  const envelope = { v: 1 as const, ts: new Date().toISOString(), hostId, bootId: crypto.randomUUID(), seq: 1 }
  const online = i % 10 !== 0
  switch (i % 20) {
    case 0:
      return { online }
    case 1:
      return {
        capability: { ...envelope, ...notCapable('no Intel ME device') },
        status: 'AMT not supported: no Intel ME device',
        statusIndicator: 'ERROR',
        phase: 'NOT_SUPPORTED',
        online,
      }
    case 2:
      return {
        sku: 'AMT',
        capability: { ...envelope, ...capable('AMT') },
        desiredState: 'PROVISIONED',
        status: 'AMT Activation Failed: LMSConnectionFailed: LMS is not running',
        statusIndicator: 'ERROR',
        phase: 'FAILED',
        online,
      }
    case 3:
      return {
        sku: 'ISM',
        capability: { ...envelope, ...capable('ISM') },
        desiredState: 'PROVISIONED',
        phase: 'ACTIVATING',
        status: 'AMT Activation In Progress',
        statusIndicator: 'IN_PROGRESS',
        online,
      }
    default:
      return {
        sku: 'AMT',
        capability: { ...envelope, ...capable('AMT') },
        desiredState: 'PROVISIONED',
        currentState: 'PROVISIONED',
        phase: 'PROVISIONED',
        status: 'AMT Activation Done',
        statusIndicator: 'IDLE',
        observedGeneration: 1,
        lastSeen: new Date().toISOString(),
        online,
      }
  }
}

async function fill(inventory: Inventory): Promise<void> {
  await inventory.createTenant({ tenantId: TENANT })
  for (let start = 0; start < hosts; start += BATCH) {
    const ids = Array.from(
      { length: Math.min(BATCH, hosts - start) },
      (_, k) => `host-${String(start + k).padStart(6, '0')}`,
    )
    await inventory.createHosts(ids.map((hostId) => ({ tenantId: TENANT, hostId, name: `node ${hostId}` })))
    const updates: HostUpdate[] = ids.map((hostId, k) => ({
      key: { tenantId: TENANT, hostId },
      patch: patchOf(hostId, start + k),
    }))
    await inventory.updateHosts(updates)
  }
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN

async function main(): Promise<void> {
  if (!Number.isInteger(hosts) || hosts < 1 || !Number.isInteger(runs) || runs < 1)
    throw new Error('--hosts and --runs: positive integers')
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-bench-console-'))
  const inventory = await openSqliteInventory({ dataDir: dir })
  const log = silentLogger()
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound: new RecordingOutbound(), log, metrics })
  const tokens = new MemoryTokenStore()
  const sessions = createSessionStore(ConsoleSection.parse({}))
  const app = createApiServer({
    inventory,
    domain: core,
    tokens,
    sessions,
    log,
    metrics: metrics.registry,
    extensions: [
      consolePlugin({
        inventory,
        tokens,
        sessions,
        hostChanges: core.hostChanges,
        log,
        assets: await loadConsoleAssets(),
      }),
    ],
  })
  try {
    const filled = performance.now()
    await fill(inventory)
    out(`${hosts} hosts stored in ${Math.round(performance.now() - filled)} ms; ${runs} runs per case`)
    const url = await app.listen({ host: '127.0.0.1', port: 0 })
    const { token } = await issueToken(tokens, { role: 'viewer', tenant: TENANT, name: 'bench' })
    const cases = [
      { name: 'hosts, first page (50, by id)', path: `/console/tenants/${TENANT}/hosts` },
      { name: 'overview (counts + chart)', path: `/console/tenants/${TENANT}` },
      {
        name: 'hosts, condition=FAILED, by -lastSeen',
        path: `/console/tenants/${TENANT}/hosts?condition=FAILED&sort=-lastSeen`,
      },
      { name: 'hosts, row fragment', path: `/console/tenants/${TENANT}/hosts/host-000004/row` },
    ]
    const times = new Map(cases.map(({ name }) => [name, [] as number[]]))
    for (let run = -2; run < runs; run += 1) {
      for (const { name, path: urlPath } of cases) {
        const start = performance.now()
        const response = await fetch(`${url}${urlPath}`, { headers: { authorization: `Bearer ${token}` } })
        const body = await response.text()
        const ms = performance.now() - start
        if (response.status !== 200 || body.length === 0) throw new Error(`${urlPath}: ${response.status}`)
        if (run >= 0) times.get(name)?.push(ms)
      }
    }
    out('case                                        median ms   p95 ms')
    let firstPageMedian = Number.NaN
    for (const { name } of cases) {
      const sorted = (times.get(name) ?? []).sort((a, b) => a - b)
      const median = percentile(sorted, 50)
      if (name === cases[0]?.name) firstPageMedian = median
      out(`${name.padEnd(44)}${median.toFixed(1).padStart(9)}${percentile(sorted, 95).toFixed(1).padStart(9)}`)
    }
    const verdict = firstPageMedian <= FIRST_PAGE_BUDGET_MS ? 'within' : 'OVER'
    out(`first hosts page: median ${firstPageMedian.toFixed(1)} ms, ${verdict} the ${FIRST_PAGE_BUDGET_MS} ms budget`)
    if (verdict === 'OVER') process.exitCode = 1
  } finally {
    await app.close()
    await core.stop()
    await inventory.close()
    await rm(dir, { recursive: true, force: true })
  }
}

runBench(
  async () => {
    await main()
    if (process.exitCode === 1) throw new Error('the first hosts page is over its budget')
  },
  createLogger({ name: 'bench-console', level: 'info' }),
  600_000,
)
