import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pino } from 'pino'
import { createFleet, type Fleet } from '../../agent/simulate/index.ts'
import { createLogger } from '../../lib/log.ts'
import { SERVICE_EXIT } from '../../lib/service-exit.ts'
import { parseManagerConfig } from '../config/config.ts'
import { shutDown, startOrReport, stopRequested } from '../wiring/process.ts'
import { startManager, type RunningManager } from '../wiring/start-manager.ts'
import { DEMO_TENANT, demoHosts, describeMix, type DemoHost } from './fleet-plan.ts'
import { progressLine, readProgress, watchUntilSettled, type HostProgress } from './progress.ts'
import { finalReport, tryIt } from './report.ts'
import { knownDemoHostIds, seedDemo } from './seed.ts'
import { startSimulatedDmt } from './simulated-dmt/simulated-dmt.ts'

export interface DemoOptions {
  hosts: number
  dataDir: string
  apiPort: number
  mqttPort: number
  /** Stop once every host settled (exit 0 when each ended as expected, else 1) instead of serving on. */
  exitWhenSettled: boolean
  /** Give up waiting for the hosts to settle after this long. */
  settleTimeoutMs: number
}

/** --exit-when-settled: some host did not settle, or not as its device predicts. */
export const EXIT_NOT_AS_EXPECTED = 1

const INTEGRATOR_USERNAME = 'demo-integrator'
const INTEGRATOR_PASSWORD_FILE = 'demo-integrator-password'
/** Each simulated rpc call takes this long, so the activation can be watched. */
const RPC_LATENCY = { kind: 'uniform', minMs: 150, maxMs: 900 } as const

/**
 * `amt-manager demo`: the manager (embedded broker, SQLite under dataDir, no external service), with RPS and MPS
 * simulated in this process (simulated-dmt/), tenant `demo` with simulated hosts (UUID host ids) running the real
 * agent code in this process, activation for all of them (RPS profiles and MPS registration prepared as for real
 * servers; an activated device opens its CIRA connection to the simulated MPS, so power actions reach it), progress
 * until every host settled, a table — then it keeps serving (unless exitWhenSettled). Logs go to
 * <dataDir>/manager.log.
 */
export async function runDemo(options: DemoOptions, out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const dataDir = path.resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const stderr = (line: string) => process.stderr.write(`${line}\n`)
  const simulated = await startSimulatedDmt()
  const loaded = parseManagerConfig({ dataDir, api: { port: options.apiPort }, broker: { embedded: { tcp: { port: options.mqttPort } } }, dmt: simulated.config }, { env: {} })
  if (!loaded.ok) {
    for (const problem of loaded.problems) stderr(`amt-manager demo: ${problem}`)
    await simulated.close()
    return SERVICE_EXIT.BAD_CONFIG
  }
  const logFile = path.join(dataDir, 'manager.log')
  const log = createLogger({ name: 'amt-manager', level: 'info', destination: pino.destination({ dest: logFile, sync: true }) })
  const integrator = { username: INTEGRATOR_USERNAME, password: randomBytes(18).toString('base64url') }
  const integratorPasswordFile = path.join(dataDir, INTEGRATOR_PASSWORD_FILE)
  await writeSecretFile(integratorPasswordFile, integrator.password)

  const stop = stopRequested()
  const started = await startOrReport(() => startManager(loaded.config, { log, integrators: [{ ...integrator, role: 'integrator', tenantId: DEMO_TENANT }] }), log, stderr)
  if (!started.ok) {
    if ((started.err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') stderr('  another process listens on that port: stop it, or pass --api-port / --mqtt-port')
    await simulated.close()
    return started.exitCode
  }
  const running = started.value
  let fleet: Fleet | undefined
  const closeAll = async () => {
    await fleet?.stop()
    await running.close()
    await simulated.close()
  }
  try {
    const plan = demoHosts(options.hosts, await knownDemoHostIds(running.inventory))
    const mqtt = new URL(running.brokerUrl)
    out(`amt-manager demo: data in ${dataDir}\n  API  ${running.apiUrl}    MQTT  mqtt://${mqtt.hostname}:${mqtt.port}\n`)
    out(`  RPS  ${simulated.rps.url}    MPS  ${simulated.mps.url}    (simulated in this process)\n`)
    const seeded = await seedDemo({ inventory: running.inventory, core: running.core, log }, plan)
    out(`  tenant ${DEMO_TENANT}: ${plan.length} simulated hosts (${describeMix(plan)}); ${seeded.registered} registered, ${seeded.rotated} kept with new credentials\n`)
    fleet = createFleet({ brokerUrl: running.brokerUrl, hosts: seeded.hosts, latency: RPC_LATENCY, seed: 1, log })
    simulated.followFleet(fleet)
    await fleet.start()
    const requested = await requestActivation(running, plan)
    out(`  activation requested for ${requested.size} hosts; agents run the real reconciler against a simulated AMT\n\n`)

    const began = Date.now()
    const result = await watchUntilSettled({
      read: () => readProgress(running.inventory, plan, requested),
      onReading: progressPrinter(out, began),
      intervalMs: 250,
      timeoutMs: options.settleTimeoutMs,
      stopped: stop,
    })
    if (result.kind === 'stopped') return await shutDown(await stop, { close: closeAll }, log)
    const report = finalReport(result.progress, Date.now() - began, result.kind === 'settled')
    out(report.text)
    if (options.exitWhenSettled) {
      await closeAll()
      return report.asExpected ? SERVICE_EXIT.OK : EXIT_NOT_AS_EXPECTED
    }
    out(`\n${tryIt(tryItInput(running, integratorPasswordFile, result.progress))}`)
    return await shutDown(await stop, { close: closeAll }, log)
  } catch (err) {
    stderr(`amt-manager demo: failed: ${err instanceof Error ? err.message : String(err)}`)
    log.child({ module: 'demo' }).fatal({ err }, 'demo failed')
    await closeAll()
    return SERVICE_EXIT.FATAL
  }
}

/** Desired PROVISIONED for the simulated hosts (not the real-agent slot), through the domain as the API does. */
async function requestActivation(running: RunningManager, plan: readonly DemoHost[]): Promise<Map<string, number>> {
  const keys = plan.map(({ hostId }) => ({ tenantId: DEMO_TENANT, hostId }))
  const stored = await running.core.setDesired({ keys }, { state: 'PROVISIONED' }, 'demo')
  return new Map(stored.map((host) => [host.hostId, host.desiredGeneration]))
}

/** A terminal: one line rewritten in place. A pipe: a line when the counts change. */
function progressPrinter(out: (text: string) => void, began: number): (progress: HostProgress[]) => void {
  const tty = process.stdout.isTTY
  let last = ''
  return (progress) => {
    const line = progressLine(progress, Date.now() - began)
    const counts = line.slice(line.indexOf(']'))
    if (tty) out(`\r\x1b[K${line}${progress.every((host) => host.settled) ? '\n' : ''}`)
    else if (counts !== last) out(`${line}\n`)
    last = counts
  }
}

function tryItInput(running: RunningManager, integratorPasswordFile: string, progress: readonly HostProgress[]) {
  const mqtt = new URL(running.brokerUrl)
  return {
    apiUrl: running.apiUrl,
    mqttHost: mqtt.hostname,
    mqttPort: Number(mqtt.port),
    dataDir: running.config.dataDir,
    adminTokenFile: running.adminTokenFile,
    tokensFile: running.config.tokensFile,
    integratorUsername: INTEGRATOR_USERNAME,
    integratorPasswordFile,
    faulty: progress.find(({ demo }) => demo.expected === 'FAILED')?.demo,
    provisioned: progress.find(({ stage }) => stage === 'PROVISIONED')?.demo,
  }
}

async function writeSecretFile(file: string, secret: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${secret}\n`, { mode: 0o600 })
  await rename(temporary, file)
}
