/**
 * bench:abuse — what a hostile burst costs a running manager, and what a legitimate device feels during it.
 *
 * One manager child process (embedded broker on TCP and WebSocket, SQLite Inventory, an integrator principal with
 * the default scrypt cost), its open-files limit lowered with prlimit so that exhaustion is reachable. Before and
 * during each attack: a registered device's MQTT login latency, `/healthz` latency (event-loop lag shows here),
 * the manager's RSS and CPU. Figures are ratios to the quiet baseline measured in the same run.
 *
 *   npm run bench:abuse [-- --sockets 6000 --nofile 4096 --seconds 10]
 */
import { writeFile, readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { parse, stringify } from 'yaml'
import type { HostCredentials } from '../../agent/simulate/index.ts'
import { DEFAULT_SCRYPT_PARAMS, hashPassword } from '../../broker/auth/password-hash.ts'
import { DEVICE_HASH_SCHEME } from '../../manager/bus/broker-credentials.ts'
import { deviceLogin, eventsFlood, openIdleSockets, wrongLogins, type IdleSockets } from './abuse-attacks.ts'
import { delay, fixed, hardTimeLimit, memoryOf, percentileOf, printFooter, printHeader } from './fleet-env.ts'
import {
  prepareManager,
  removeManagerDir,
  startManager,
  type ManagerProcess,
  type PreparedManager,
} from './fleet-manager.ts'
import { processCpuMs } from './machine.ts'
import { freePort } from '../e2e/support/processes.ts'

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '6000' },
    nofile: { type: 'string', default: '4096' },
    seconds: { type: 'string', default: '10' },
  },
})
const SOCKETS = Number(args.sockets)
const NOFILE = Number(args.nofile)
const ATTACK_MS = Number(args.seconds) * 1000
const INTEGRATOR = { username: 'acme-dashboard', password: 'a-real-operator-password' }

interface Probe {
  loginsOk: number
  logins: number[]
  healthOk: number
  health: number[]
  rssMiB: number
  cpuSeconds: number
}

/** Device logins and /healthz calls one after the other for `ms`, plus RSS/CPU of the manager afterwards. */
async function probe(
  manager: ManagerProcess,
  prepared: PreparedManager,
  device: HostCredentials,
  ms: number,
): Promise<Probe> {
  const result: Probe = { loginsOk: 0, logins: [], healthOk: 0, health: [], rssMiB: Number.NaN, cpuSeconds: Number.NaN }
  const until = Date.now() + ms
  const cpuBefore = (await processCpuMs(manager.pid)) ?? Number.NaN
  while (Date.now() < until) {
    const outcome = await deviceLogin(prepared.brokerUrl, device)
    result.logins.push(outcome.ms)
    if (outcome.ok) result.loginsOk++
    const began = performance.now()
    const healthy = await fetch(`${prepared.apiUrl}/healthz`, { signal: AbortSignal.timeout(30_000) }).then(
      (response) => response.ok,
      () => false,
    )
    result.health.push(performance.now() - began)
    if (healthy) result.healthOk++
  }
  result.rssMiB = (await memoryOf(manager.pid))?.rssMiB ?? Number.NaN
  result.cpuSeconds = (((await processCpuMs(manager.pid)) ?? Number.NaN) - cpuBefore) / 1000
  return result
}

function row(name: string, sample: Probe, baseline: Probe | undefined, note: string): string {
  const p50 = percentileOf(sample.logins, 50)
  const p95 = percentileOf(sample.logins, 95)
  const h95 = percentileOf(sample.health, 95)
  const ratio = (value: number, base: number | undefined): string =>
    base === undefined ? '' : ` (${fixed(value / base, 1)}×)`
  const cells = [
    name.padEnd(30),
    `${sample.loginsOk}/${sample.logins.length}`.padStart(7),
    `${fixed(p50)}${ratio(p50, baseline && percentileOf(baseline.logins, 50))}`.padStart(16),
    `${fixed(p95)}${ratio(p95, baseline && percentileOf(baseline.logins, 95))}`.padStart(16),
    `${sample.healthOk}/${sample.health.length}`.padStart(7),
    `${fixed(h95)}${ratio(h95, baseline && percentileOf(baseline.health, 95))}`.padStart(16),
    fixed(sample.rssMiB, 0).padStart(6),
    fixed(sample.cpuSeconds, 2).padStart(6),
  ]
  return `${cells.join(' ')}  ${note}`
}

async function addListenersAndIntegrator(
  prepared: PreparedManager,
): Promise<{ wsPort: number; mqttPort: number; apiPort: number }> {
  const config = parse(await readFile(prepared.configFile, 'utf8')) as Record<
    string,
    Record<string, Record<string, unknown>>
  >
  const wsPort = await freePort()
  const integratorsFile = path.join(prepared.dir, 'integrators.yaml')
  const passwordHash = await hashPassword(INTEGRATOR.password, DEFAULT_SCRYPT_PARAMS)
  await writeFile(
    integratorsFile,
    stringify({ principals: [{ username: INTEGRATOR.username, passwordHash, role: 'integrator', tenantId: 'abuse' }] }),
  )
  const embedded = config.broker?.embedded ?? {}
  Object.assign(embedded, { ws: { port: wsPort }, integratorsFile })
  await writeFile(prepared.configFile, stringify(config))
  return { wsPort, mqttPort: Number(new URL(prepared.brokerUrl).port), apiPort: Number(new URL(prepared.apiUrl).port) }
}

const startedAt = Date.now()
await printHeader(
  `bench:abuse — ${SOCKETS} hostile sockets per listener attack, manager open-files limit ${NOFILE}, ${ATTACK_MS / 1000} s per phase`,
)
const prepared = await prepareManager({
  hosts: 2,
  tenantId: 'abuse',
  hashScheme: DEVICE_HASH_SCHEME,
  logLevel: 'warn',
  launcher: ['prlimit', `--nofile=${NOFILE}:${NOFILE}`, '--'],
})
const ports = await addListenersAndIntegrator(prepared)
const manager = await startManager(prepared)
const disarm = hardTimeLimit(10 * 60_000, async () => {
  await manager.stop(5_000)
  await removeManagerDir(prepared)
})
const [device, flooder] = prepared.devices as [HostCredentials, HostCredentials]
const lines: string[] = []
const report = (line: string): void => {
  lines.push(line)
  console.error(line)
}
const header = `${'phase'.padEnd(30)} ${'logins'.padStart(7)} ${'login p50 ms'.padStart(16)} ${'login p95 ms'.padStart(16)} ${'healthz'.padStart(7)} ${'healthz p95 ms'.padStart(16)} ${'RSS'.padStart(6)} ${'CPU s'.padStart(6)}`

try {
  const baseline = await probe(manager, prepared, device, ATTACK_MS)
  report(row('quiet (baseline)', baseline, undefined, ''))

  const idle = async (name: string, target: Parameters<typeof openIdleSockets>[0]): Promise<void> => {
    console.error(`${name}: opening ${SOCKETS} sockets`)
    const sockets: IdleSockets = await openIdleSockets(target, SOCKETS, { spread: 1000 })
    const during = await probe(manager, prepared, device, ATTACK_MS)
    const note = `opened ${sockets.opened}, refused ${sockets.refused}, closed by the manager within the phase ${sockets.closedByServer()}`
    sockets.close()
    report(row(name, during, baseline, note))
    await delay(1000)
  }
  await idle('idle sockets → API', { host: '127.0.0.1', port: ports.apiPort })
  await idle('idle sockets → MQTT TCP', { host: '127.0.0.1', port: ports.mqttPort })
  await idle('idle WebSockets → MQTT WS', { host: '127.0.0.1', port: ports.wsPort, wsPath: '/mqtt' })

  const names = ['acme-dashboard', 'nobody-here', 'admin', 'node-1@abuse']
  const burst = wrongLogins(prepared.brokerUrl, names, 32)
  const duringLogins = await probe(manager, prepared, device, ATTACK_MS)
  report(
    row(
      'wrong logins (32 in flight)',
      duringLogins,
      baseline,
      `${await burst.stop()} attempts (integrator, unknown, device names)`,
    ),
  )

  const newestAuditId = async (): Promise<number> => {
    const page = await manager.api<{ events?: Array<{ id: number }> }>(
      'GET',
      `/api/v1/tenants/abuse/hosts/${flooder.hostId}/events?limit=1`,
    )
    return page.json.events?.[0]?.id ?? 0
  }
  const auditBefore = await newestAuditId()
  const flood = await eventsFlood(prepared.brokerUrl, flooder, 25)
  const duringFlood = await probe(manager, prepared, device, ATTACK_MS)
  const { sent, disconnects } = await flood.stop()
  const stored = (await newestAuditId()) - auditBefore
  report(
    row(
      'events flood (25 connections)',
      duringFlood,
      baseline,
      `${flood.connected} of 25 connections accepted, ${sent} events sent (~2 KB each), ${disconnects} closed by the broker, audit ids +${stored}`,
    ),
  )

  console.log(
    '\nlogin = a registered device: CONNECT → CONNACK (then disconnect), one after the other with /healthz calls;',
  )
  console.log(
    'ratios are to the quiet baseline of this run; RSS and CPU are the manager process (CPU used during the phase).',
  )
} finally {
  console.log(`\n${header}\n${lines.join('\n')}`)
  disarm()
  const log = await readFile(prepared.logFile, 'utf8').catch(() => '')
  const emfile = log.split('\n').filter((line) => /EMFILE|ENFILE|file descriptors/i.test(line)).length
  console.log(`manager log: ${log.split('\n').length} lines, ${emfile} about file-descriptor pressure`)
  await manager.stop(10_000)
  await removeManagerDir(prepared)
  printFooter(startedAt)
}
