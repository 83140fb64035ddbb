import { createFleet, type Fleet } from '../../agent/simulate/index.ts'
import type { Logger } from '../../lib/log.ts'
import { printToStderr, SERVICE_EXIT } from '../../lib/service-exit.ts'
import type { RunningService } from '../../lib/service-lifecycle.ts'
import type { RunningManager } from '../wiring/start-manager.ts'
import { DEMO_TENANT, demoHosts, describeMix, type DemoHost } from './fleet-plan.ts'
import { progressLine, readProgress, watchUntilSettled, type HostProgress } from './progress.ts'
import { finalReport, tryIt } from './report.ts'
import { knownDemoHostIds, seedDemo } from './seed.ts'
import type { SimulatedDmt } from './simulated-dmt/simulated-dmt.ts'

/** --exit-when-settled: some host did not settle, or not as its device predicts. */
const EXIT_NOT_AS_EXPECTED = 1

/** Each simulated rpc call takes this long, so the activation can be watched. */
const RPC_LATENCY = { kind: 'uniform', minMs: 150, maxMs: 900 } as const

export interface PlanSettings {
  hosts: number
  /** Stop once every host settled (exit 0 when each ended as expected, else 1) instead of serving on. */
  exitWhenSettled: boolean
  /** Give up waiting for the hosts to settle after this long. */
  settleTimeoutMs: number
}

export interface PlanDeps {
  settings: PlanSettings
  running: RunningManager
  simulated: SimulatedDmt
  /** The integrator account the demo adds to the embedded broker (its password in a 0600 file). */
  integrator: { username: string; passwordFile: string }
  log: Logger
  out: (text: string) => void
}

/**
 * The demo's plan, on a started manager: seed tenant `demo` with simulated hosts, start the simulated fleet (the real
 * agent code), request activation, show progress until every host settled, print the table — then end by itself
 * (`exitWhenSettled`: `ended` resolves 0 when each host ended as its device predicts, else 1) or serve on with the
 * commands to try. A failure on the way is printed and ends the demo with 2. `stop()` ends the watch (a signal
 * while the hosts settle: no table) and stops the fleet; the caller closes the manager after it.
 */
export function startPlan(deps: PlanDeps): Required<Pick<RunningService, 'stop' | 'ended'>> {
  let fleet: Fleet | undefined
  let requestStop: () => void = () => undefined
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve))
  const outcome = playPlan(deps, stopRequested, (started) => (fleet = started)).catch((err: unknown) => {
    printToStderr(`amt-manager demo: failed: ${err instanceof Error ? err.message : String(err)}`)
    deps.log.child({ module: 'demo' }).fatal({ err }, 'demo failed')
    return SERVICE_EXIT.FATAL
  })
  const ended = new Promise<number>((resolve) => {
    void outcome.then((exitCode) => {
      if (exitCode !== undefined) resolve(exitCode)
    })
  })
  return {
    ended,
    async stop() {
      requestStop()
      await outcome
      await fleet?.stop()
    },
  }
}

/** The plan's steps; resolves with the exit code when the demo ends by itself, undefined when it serves on. */
async function playPlan(
  { settings, running, simulated, integrator, log, out }: PlanDeps,
  stopRequested: Promise<void>,
  fleetStarted: (fleet: Fleet) => void,
): Promise<number | undefined> {
  const plan = demoHosts(settings.hosts, await knownDemoHostIds(running.inventory))
  const mqtt = new URL(running.brokerUrl)
  out(`amt-manager demo: data in ${running.config.dataDir}\n`)
  out(`  API  ${running.apiUrl}    MQTT  mqtt://${mqtt.hostname}:${mqtt.port}\n`)
  out(`  RPS  ${simulated.rps.url}    MPS  ${simulated.mps.url}    (simulated in this process)\n`)
  const seeded = await seedDemo({ inventory: running.inventory, core: running.core, log }, plan)
  const kept = `${seeded.registered} registered, ${seeded.rotated} kept with new credentials`
  out(`  tenant ${DEMO_TENANT}: ${plan.length} simulated hosts (${describeMix(plan)}); ${kept}\n`)
  const fleet = createFleet({ brokerUrl: running.brokerUrl, hosts: seeded.hosts, latency: RPC_LATENCY, seed: 1, log })
  fleetStarted(fleet)
  simulated.followFleet(fleet)
  await fleet.start()
  const requested = await requestActivation(running, plan)
  out(`  activation requested for ${requested.size} hosts; agents run the real reconciler against a simulated AMT\n\n`)

  const began = Date.now()
  const result = await watchUntilSettled({
    read: () => readProgress(running.inventory, plan, requested),
    onReading: progressPrinter(out, began),
    intervalMs: 250,
    timeoutMs: settings.settleTimeoutMs,
    stopped: stopRequested,
  })
  if (result.kind === 'stopped') return undefined
  const report = finalReport(result.progress, Date.now() - began, result.kind === 'settled')
  out(report.text)
  if (settings.exitWhenSettled) return report.asExpected ? SERVICE_EXIT.OK : EXIT_NOT_AS_EXPECTED
  out(`\n${tryIt(tryItInput(running, integrator, result.progress))}`)
  return undefined
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

function tryItInput(running: RunningManager, integrator: PlanDeps['integrator'], progress: readonly HostProgress[]) {
  const mqtt = new URL(running.brokerUrl)
  return {
    apiUrl: running.apiUrl,
    mqttHost: mqtt.hostname,
    mqttPort: Number(mqtt.port),
    dataDir: running.config.dataDir,
    adminTokenFile: running.adminTokenFile,
    integratorUsername: integrator.username,
    integratorPasswordFile: integrator.passwordFile,
    faulty: progress.find(({ demo }) => demo.expected === 'FAILED')?.demo,
    provisioned: progress.find(({ stage }) => stage === 'PROVISIONED')?.demo,
  }
}
