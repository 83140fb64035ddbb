import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pino } from 'pino'
import { errorCode } from '../../lib/config-file.ts'
import { createLogger, type Logger } from '../../lib/log.ts'
import { SERVICE_EXIT, StartupError, type Loaded } from '../../lib/service-exit.ts'
import { runService, type RunningService } from '../../lib/service-lifecycle.ts'
import { parseManagerConfig } from '../config/config.ts'
import { startManager, type RunningManager } from '../wiring/start-manager.ts'
import { DEMO_TENANT } from './fleet-plan.ts'
import { startPlan, type PlanSettings } from './run-plan.ts'
import { startSimulatedDmt, type SimulatedDmt } from './simulated-dmt/simulated-dmt.ts'

export interface DemoOptions extends PlanSettings {
  dataDir: string
  apiPort: number
  mqttPort: number
}

type Print = (text: string) => void
const printToStdout: Print = (text) => void process.stdout.write(text)

const INTEGRATOR_USERNAME = 'demo-integrator'
const INTEGRATOR_PASSWORD_FILE = 'demo-integrator-password'

/**
 * `amt-manager demo`: the manager (embedded broker, SQLite under dataDir, no external service), with RPS and MPS
 * simulated in this process (simulated-dmt/), tenant `demo` with simulated hosts (UUID host ids) running the real
 * agent code in this process, activation for all of them (RPS profiles and MPS registration prepared as for real
 * servers; an activated device opens its CIRA connection to the simulated MPS, so power actions reach them),
 * progress until every host settled, a table — then it keeps serving (unless exitWhenSettled: run-plan.ts). Logs
 * go to <dataDir>/manager.log. It runs under the services' lifecycle (lib/service-lifecycle.ts) as a foreground
 * program: SIGHUP (its terminal closed) stops it in order, as SIGTERM and SIGINT do.
 */
export function runDemo(options: DemoOptions, out: Print = printToStdout): Promise<number> {
  const dataDir = path.resolve(options.dataDir)
  return runService({
    name: 'amt-manager',
    hangUp: 'stop',
    load: () => createDataDir(dataDir),
    logger: () => {
      const destination = pino.destination({ dest: path.join(dataDir, 'manager.log'), sync: true })
      return createLogger({ name: 'amt-manager', level: 'info', destination })
    },
    start: (_, log) => startDemo({ ...options, dataDir }, log, out),
  })
}

async function createDataDir(dataDir: string): Promise<Loaded<string>> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    return { ok: true, config: dataDir }
  } catch (err) {
    return { ok: false, heading: `cannot create the data directory ${dataDir} (${errorCode(err)})`, problems: [] }
  }
}

/** The simulated RPS and MPS, then the manager pointing at them, then the plan (run-plan.ts). */
async function startDemo(options: DemoOptions, log: Logger, out: Print): Promise<RunningService> {
  const simulated = await startSimulatedDmt()
  const passwordFile = path.join(options.dataDir, INTEGRATOR_PASSWORD_FILE)
  const integrator = { username: INTEGRATOR_USERNAME, passwordFile }
  let running: RunningManager
  try {
    running = await startDemoManager(options, simulated, integrator, log)
  } catch (err) {
    await simulated.close()
    throw err
  }
  const plan = startPlan({ settings: options, running, simulated, integrator, log, out })
  return {
    ended: plan.ended,
    async stop() {
      await plan.stop()
      await running.close()
      await simulated.close()
    },
  }
}

async function startDemoManager(
  options: DemoOptions,
  simulated: SimulatedDmt,
  integrator: { username: string; passwordFile: string },
  log: Logger,
): Promise<RunningManager> {
  const document = {
    dataDir: options.dataDir,
    api: { port: options.apiPort },
    broker: { embedded: { tcp: { port: options.mqttPort } } },
    dmt: simulated.config,
  }
  const loaded = parseManagerConfig(document, { env: {} })
  if (!loaded.ok) throw new StartupError('invalid demo configuration', loaded.problems, SERVICE_EXIT.BAD_CONFIG)
  const password = randomBytes(18).toString('base64url')
  await writeSecretFile(integrator.passwordFile, password)
  const integrators = [{ username: integrator.username, password, role: 'integrator' as const, tenantId: DEMO_TENANT }]
  try {
    return await startManager(loaded.config, { log, integrators })
  } catch (err) {
    if ((err as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') throw err
    const hint = 'another process listens on that port: stop it, or pass --api-port / --mqtt-port'
    throw new StartupError((err as Error).message, [hint], SERVICE_EXIT.FATAL, { cause: err })
  }
}

async function writeSecretFile(file: string, secret: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${secret}\n`, { mode: 0o600 })
  await rename(temporary, file)
}
