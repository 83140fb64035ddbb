/**
 * gRPC bridge benchmark: RetrieveActivationDetails calls/s and latency with 1,000 concurrent simulated legacy
 * agents (EMF Go agents), each with its own TLS connection and JWT.
 * Main process: the bridge over the real manager core, SQLite Inventory (temp dir, WAL), an in-memory password
 * source; every call verifies the JWT (ES256), resolves the tenant, reads the host and the password.
 * Child process (grpc-agents.ts): the agents. Two phases, each after a warm-up:
 *   closed loop  every agent calls again as soon as answered (1,000 calls in flight): the bridge's capacity
 *   paced        every agent calls every --poll-ms (default 1 s: 10x the upstream 10 s poll of 1,000 agents)
 *
 *   npx tsx test/bench/grpc.ts [--agents 1000] [--seconds 10] [--warmup 3] [--poll-ms 1000] [--plaintext]
 *
 * Bounded: aborts (exit 2) when the run takes longer than warm-ups + measurements + 120 s.
 */
import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '../../lib/log.ts'
import { createManagerCore } from '../../manager/core/manager-core.ts'
import type { AmtPasswordSource } from '../../manager/ports/provisioning.ts'
import { createGrpcBridge } from '../../manager/grpc/server.ts'
import { openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../manager/metrics/metrics.ts'
import { createTestPki } from '../helpers/certs.ts'
import { agentRole, newSigningKey, signToken } from '../manager/grpc/harness.ts'
import type { AgentsJob, PhaseRequest, PhaseResult } from './grpc-agents.ts'

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'poll-ms': { type: 'string', default: '1000' },
    plaintext: { type: 'boolean', default: false },
  },
})
const AGENTS = Number(args.agents)
const MEASURE_MS = Number(args.seconds) * 1000
const WARMUP_MS = Number(args.warmup) * 1000
const POLL_MS = Number(args['poll-ms'])
const TENANT = randomUUID()
const log = silentLogger()

const abort = setTimeout(
  () => {
    console.error('benchmark took too long; aborting')
    process.exit(2)
  },
  2 * (WARMUP_MS + MEASURE_MS) + 120_000,
)

const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-grpc-bench-'))
const pki = await createTestPki()
const inventory = await openSqliteInventory({ dataDir })
const metrics = createManagerMetrics(inventory)
const core = createManagerCore({ inventory, outbound: { publish: () => undefined }, log, metrics })
await inventory.createTenant({ tenantId: TENANT })
const hostIds = Array.from({ length: AGENTS }, () => randomUUID())
await inventory.createHosts(hostIds.map((hostId) => ({ tenantId: TENANT, hostId })))
await core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'bench')
const passwords: AmtPasswordSource = {
  getAmtPassword: () => Promise.resolve({ ok: true, password: 'Bench-P@ssw0rd-123' }),
}

const key = newSigningKey()
const ca = await pki.createCa('bench-ca')
const serverCert = await ca.issueServer()
const bridge = createGrpcBridge(
  { core, secrets: passwords, log, metrics: metrics.registry },
  {
    host: '127.0.0.1',
    port: 0,
    auth: { publicKeyPem: key.publicKeyPem },
    ...(args.plaintext ? {} : { tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile } }),
  },
)
const { port } = await bridge.start()
const agents = await Promise.all(
  hostIds.map(async (hostId) => ({
    hostId,
    token: await signToken(key, { roles: [agentRole(TENANT)], expiresIn: 3600 }),
  })),
)

const child = fork(fileURLToPath(new URL('./grpc-agents.ts', import.meta.url)), {
  execArgv: ['--import', 'tsx'],
  stdio: 'inherit',
})
const next = <T>(): Promise<T> =>
  new Promise((resolve, reject) => {
    child.once('message', (message) => {
      const answer = message as { error?: string }
      if (answer.error !== undefined) reject(new Error(answer.error))
      else resolve(message as T)
    })
  })
const job: AgentsJob = {
  address: `${args.plaintext ? '127.0.0.1' : 'localhost'}:${port}`,
  agents,
  ...(args.plaintext ? {} : { ca: ca.cert.toString() }),
}
const connected = next<{ ready: number }>()
child.send(job)
const { ready } = await connected

async function phase(name: PhaseRequest['phase']): Promise<PhaseResult & { serverCpuPercent: number }> {
  const answered = next<{ result: PhaseResult }>()
  const cpuBefore = process.cpuUsage()
  child.send({ phase: name, warmupMs: WARMUP_MS, durationMs: MEASURE_MS, pollMs: POLL_MS } satisfies PhaseRequest)
  const { result } = await answered
  const cpu = process.cpuUsage(cpuBefore)
  return { ...result, serverCpuPercent: ((cpu.user + cpu.system) / 1000 / (WARMUP_MS + MEASURE_MS)) * 100 }
}

const closed = await phase('closed')
const paced = await phase('paced')
child.send({ close: true })

const version = async (name: string): Promise<string> =>
  (
    JSON.parse(await readFile(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string
    }
  ).version
const line = (result: PhaseResult & { serverCpuPercent: number }): string => {
  const perSecond = Math.round(result.calls / (result.elapsedMs / 1000))
  const { p50, p90, p99, max } = result.latencyMs
  return `${result.phase.padEnd(7)} ${String(perSecond).padStart(6)} calls/s   p50 ${p50.toFixed(1)} ms   p90 ${p90.toFixed(1)} ms   p99 ${p99.toFixed(1)} ms   max ${max.toFixed(1)} ms   server CPU ${result.serverCpuPercent.toFixed(0)}%   codes ${JSON.stringify(result.codes)}`
}
console.log(
  [
    `machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, load ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
    `versions: node ${process.version}, @grpc/grpc-js ${await version('@grpc/grpc-js')}, jose ${await version('jose')}, better-sqlite3 ${await version('better-sqlite3')}`,
    `setup: ${ready} agents (one ${args.plaintext ? 'plaintext' : 'TLS'} connection + ES256 JWT each) in a child process; bridge + core + SQLite (WAL, file) in this one; every call ACTIVATE with a password`,
    `windows: ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured per phase; paced = every agent every ${POLL_MS} ms`,
    line(closed),
    line(paced),
  ].join('\n'),
)

await bridge.stop()
await core.stop()
await inventory.close()
await pki.remove()
await rm(dataDir, { recursive: true, force: true })
clearTimeout(abort)
