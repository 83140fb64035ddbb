/**
 * Memory per simulated agent (not a test): a broker in a child process (so its per-connection state is not
 * counted), N agents in this process, connected and idle after their first reconcile pass with desired
 * PROVISIONED handled. Prints the RSS and heap delta per agent.
 *
 *   node --expose-gc --import tsx test/agent/simulate/memory-probe.ts [N=1000]
 * With MEMORY_PROBE_PROGRESS=1 it prints progress every 2 s.
 * With MEMORY_PROBE_SNAPSHOT=1 it also writes a heap snapshot of the idle fleet (to see what an agent holds).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { writeHeapSnapshot } from 'node:v8'
import { execa } from 'execa'
import mqtt from 'mqtt'
import { stringify } from 'yaml'
import { hashPassword } from '../../../broker/auth/password-hash.ts'
import { buildTopic, encodePayload } from '../../../schemas/index.ts'
import { createFleet } from '../../../agent/simulate/index.ts'

const count = Number(process.argv[2] ?? 1000)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const address = server.address()
    server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
  })
})
const dir = await mkdtemp(join(tmpdir(), 'amt-memory-probe-'))
const cheap = { logN: 10, r: 8, p: 1 }
const hosts = Array.from({ length: count }, (_, i) => ({
  tenantId: 'probe',
  hostId: `probe-${i}`,
  username: `probe-${i}`,
  password: `probe-${i}-password`,
}))
const principals = [
  { username: 'manager', role: 'manager', passwordHash: await hashPassword('manager-password', cheap) },
]
for (const host of hosts)
  principals.push({
    username: host.username,
    role: 'device',
    tenantId: 'probe',
    hostId: host.hostId,
    passwordHash: await hashPassword(host.password, cheap),
  } as never)
await writeFile(join(dir, 'credentials.yaml'), stringify({ principals }))
const limits = { maxConnections: count + 100, connectRateLimit: { burst: 1_000_000, perSecond: 1_000_000 } }
await writeFile(
  join(dir, 'broker.yaml'),
  stringify({
    listeners: { tcp: { host: '127.0.0.1', port } },
    limits,
    credentialsFile: 'credentials.yaml',
    logLevel: 'warn',
  }),
)
const broker = execa(
  'node',
  ['--import', 'tsx', join(root, 'broker/cli.ts'), 'serve', '--config', join(dir, 'broker.yaml')],
  { stdio: 'inherit', reject: false },
)

const url = `mqtt://127.0.0.1:${port}`
let manager: mqtt.MqttClient | undefined
for (let attempt = 0; !manager; attempt += 1) {
  manager = await mqtt
    .connectAsync(url, {
      username: 'manager',
      password: 'manager-password',
      clientId: 'manager:memory-probe',
      reconnectPeriod: 0,
    })
    .catch(async () => {
      if (attempt > 100) throw new Error('broker did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
      return undefined
    })
}
for (const host of hosts) {
  const payload = encodePayload('desired', {
    v: 1,
    ts: new Date().toISOString(),
    hostId: host.hostId,
    generation: 1,
    state: 'PROVISIONED',
    controlMode: 'CCM',
  })
  await manager.publishAsync(buildTopic({ ...host, leaf: 'desired' }), payload, { qos: 1, retain: true })
}

const fleet = createFleet({ brokerUrl: url, hosts, mix: { amt: 1 }, logLevel: 'warn', rampPerSecond: 500 })
gc()
const before = process.memoryUsage()
const started = performance.now()
// MEMORY_PROBE_PROGRESS=1: progress every 2 s with this process' event-loop utilisation (is the simulator the bottleneck?).
let elu = performance.eventLoopUtilization()
const report = () => {
  const { elapsedMs, started: up, connected, settled } = fleet.progress()
  const busy = performance.eventLoopUtilization(elu).utilization
  elu = performance.eventLoopUtilization()
  console.log(
    JSON.stringify({ elapsedMs, started: up, connected, settled, eventLoopUtilization: Number(busy.toFixed(2)) }),
  )
}
const ticker = process.env.MEMORY_PROBE_PROGRESS ? setInterval(report, 2000) : undefined
await fleet.start()
const progress = await fleet.settled()
clearInterval(ticker)
gc()
await new Promise((resolve) => setTimeout(resolve, 500))
gc()
const after = process.memoryUsage()
console.log(
  JSON.stringify({
    agents: count,
    settledInMs: Math.round(performance.now() - started),
    phases: progress.phases,
    connected: progress.connected,
    rssBefore: mb(before.rss),
    rssAfter: mb(after.rss),
    rssPerAgentKiB: Math.round((after.rss - before.rss) / count / 1024),
    heapPerAgentKiB: Math.round((after.heapUsed - before.heapUsed) / count / 1024),
  }),
)
if (process.env.MEMORY_PROBE_SNAPSHOT) console.log(`heap snapshot: ${writeHeapSnapshot()}`)
await fleet.stop()
await manager.endAsync()
broker.kill('SIGTERM')
await broker
await rm(dir, { recursive: true, force: true })
