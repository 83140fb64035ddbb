import { collectDefaultMetrics, Counter, Registry } from 'prom-client'
import { pressureLog, sampleFdPressure } from '../lib/fd-pressure.ts'
import { createLogger, type Logger } from '../lib/log.ts'
import { runService, SERVICE_EXIT, type RunningService } from '../lib/service-lifecycle.ts'
import { MemoryCredentialStore, type CredentialStore } from './auth/credentials.ts'
import { FileCredentialStore } from './auth/file-credential-store.ts'
import { loadBrokerConfig, type BrokerConfig } from './config.ts'
import { createBroker, type RunningBroker } from './create-broker.ts'
import { registerBrokerMetrics } from './metrics.ts'
import { startMetricsServer, type MetricsServer } from './metrics-server.ts'

export interface ServeIo {
  /** Where configuration problems are printed (one line each). */
  printProblem: (line: string) => void
}

/** Exit codes of `amt-broker serve` (the services' shared codes). */
export const EXIT_OK = SERVICE_EXIT.OK
export const EXIT_BAD_CONFIG = SERVICE_EXIT.BAD_CONFIG
export const EXIT_START_FAILED = SERVICE_EXIT.FATAL

/** An invalid credentials file: its problems are already printed; exit 1 like any configuration problem. */
class CredentialsFileProblem extends Error {
  override readonly name = 'CredentialsFileProblem'
}

/**
 * `amt-broker serve`: loads the config (every problem printed → 1), then runs under the services' lifecycle
 * (lib/service-lifecycle.ts): credentials (an invalid file → 1) and listeners (a failure → 2); SIGTERM/SIGINT close
 * the listeners and aedes → 0, a second signal exits at once (2), a fatal error → 2. SIGHUP re-reads the
 * credentials file (an invalid one is refused and the previous credentials stay); without one it is ignored.
 */
export async function serve(configFile: string, io: ServeIo): Promise<number> {
  const loaded = await loadBrokerConfig(configFile)
  if (!loaded.ok) {
    io.printProblem(`amt-broker: invalid config ${configFile}:`)
    for (const problem of loaded.problems) io.printProblem(`  ${problem}`)
    return EXIT_BAD_CONFIG
  }
  const { config } = loaded
  const log = createLogger({ name: 'amt-broker', level: config.logLevel })
  return runService({
    log,
    start: () => startBroker(config, log, io),
    startFailed: (err) => {
      if (err instanceof CredentialsFileProblem) return EXIT_BAD_CONFIG
      io.printProblem(`amt-broker: cannot start: ${err instanceof Error ? err.message : String(err)}`)
      log.fatal({ err }, 'start-up failed')
      return EXIT_START_FAILED
    },
  })
}

async function startBroker(config: BrokerConfig, log: Logger, io: ServeIo): Promise<RunningService> {
  const credentials = await loadCredentials(config, log, io)
  const broker = await createBroker(config, { log, credentials })
  const registry = new Registry()
  let metrics: MetricsServer | undefined
  try {
    metrics = config.metrics && (await startMetricsServer({ ...config.metrics, registry, log: log.child({ module: 'metrics' }) }))
  } catch (err) {
    await broker.close()
    throw err
  }
  const stopSampling = watchBroker(broker, registry, log)
  return {
    async stop() {
      stopSampling()
      await metrics?.close()
      await broker.close()
      log.info('stopped')
    },
    ...(credentials instanceof FileCredentialStore ? { reload: () => reloadCredentials(credentials, log) } : {}),
  }
}

/**
 * The broker's counters and the process's own metrics on `registry` (served when `metrics` is configured); open
 * files near the limit are logged once per window and counted. Returns stop().
 */
function watchBroker(broker: RunningBroker, registry: Registry, log: Logger): () => void {
  registerBrokerMetrics(registry, broker)
  collectDefaultMetrics({ register: registry })
  const fdPressure = new Counter({
    name: 'amt_broker_fd_pressure_total',
    help: 'File-descriptor pressure events (accept errors, open files near the limit), by listener and code',
    labelNames: ['listener', 'code'] as const,
    registers: [registry],
  })
  const count = ({ listener, code }: { listener: string; code: string }) => fdPressure.inc({ listener, code })
  return sampleFdPressure({ report: pressureLog({ log: log.child({ module: 'broker/limits' }), count }) })
}

async function loadCredentials(config: BrokerConfig, log: Logger, io: ServeIo): Promise<CredentialStore> {
  if (config.credentialsFile === undefined) {
    log.warn('no credentialsFile configured: every password login is refused')
    return new MemoryCredentialStore()
  }
  const loaded = await FileCredentialStore.load(config.credentialsFile)
  if (loaded.ok) return loaded.store
  io.printProblem(`amt-broker: invalid credentials file ${config.credentialsFile}:`)
  for (const problem of loaded.problems) io.printProblem(`  ${problem}`)
  throw new CredentialsFileProblem(`invalid credentials file ${config.credentialsFile}`)
}

async function reloadCredentials(credentials: FileCredentialStore, log: Logger): Promise<void> {
  const result = await credentials.reload()
  if (result.ok) log.info({ principals: result.count }, 'credentials reloaded')
  else log.error({ problems: result.problems }, 'credentials reload refused; previous credentials stay')
}
