import { collectDefaultMetrics, Counter, Registry } from 'prom-client'
import { pressureLog, sampleFdPressure } from '../lib/fd-pressure.ts'
import { createLogger, type Logger } from '../lib/log.ts'
import { loadedFrom, type Loaded, type PrintLine } from '../lib/service-exit.ts'
import { runService, type ProcessEvents, type RunningService } from '../lib/service-lifecycle.ts'
import { MemoryCredentialStore } from './auth/credentials.ts'
import { FileCredentialStore } from './auth/file-credential-store.ts'
import { redisBackends } from './cluster/redis-backends.ts'
import { readRedisPassword, redisSettings, type RedisSettings } from './cluster/redis-config.ts'
import { loadBrokerConfig, type BrokerConfig } from './config.ts'
import { createBroker, type RunningBroker } from './create-broker.ts'
import { registerBrokerMetrics } from './metrics.ts'
import { startMetricsServer, type MetricsServer } from './metrics-server.ts'

export interface ServeIo {
  /** Where configuration problems and a failed start are printed (one line each). */
  printProblem: PrintLine
  /** The process the lifecycle listens on (tests pass a stand-in). */
  process?: ProcessEvents
}

/** The Redis password of `cluster.redis`, instead of its passwordFile. */
const ENV_REDIS_PASSWORD = 'AMT_BROKER_REDIS_PASSWORD'

/** The broker's configuration and the credentials file it names, both read and checked before anything starts. */
interface LoadedBroker {
  config: BrokerConfig
  /** undefined: no credentialsFile configured. */
  credentials: FileCredentialStore | undefined
  /** The cluster's Redis (its password read); undefined: a broker on its own, in memory. */
  redis: RedisSettings | undefined
}

/**
 * `amt-broker serve` under the services' lifecycle (lib/service-lifecycle.ts): an invalid config or credentials
 * file → every problem printed → 1; listeners that cannot start → `amt-broker: cannot start: …` → 2;
 * SIGTERM/SIGINT close the listeners and aedes → 0, a second signal exits at once (2), a fatal error → 2. SIGHUP
 * re-reads the credentials file (an invalid one is refused and the previous credentials stay); without one it is
 * ignored.
 */
export function serve(configFile: string, io: ServeIo): Promise<number> {
  return runService({
    name: 'amt-broker',
    load: () => loadBroker(configFile),
    logger: ({ config }) => createLogger({ name: 'amt-broker', level: config.logLevel }),
    start: (loaded, log) => startBroker(loaded, log),
    stderr: io.printProblem,
    process: io.process,
  })
}

async function loadBroker(configFile: string): Promise<Loaded<LoadedBroker>> {
  const loaded = loadedFrom(configFile, await loadBrokerConfig(configFile))
  if (!loaded.ok) return loaded
  const { credentialsFile, cluster } = loaded.config
  const problems: string[] = []
  const fromEnv = process.env[ENV_REDIS_PASSWORD]
  const redis =
    cluster && redisSettings(cluster, readRedisPassword(cluster, { fromEnv, key: 'cluster.redis', problems }))
  if (problems.length > 0) return { ok: false, heading: `invalid configuration ${configFile}:`, problems }
  if (credentialsFile === undefined)
    return { ok: true, config: { config: loaded.config, credentials: undefined, redis } }
  const credentials = await FileCredentialStore.load(credentialsFile)
  if (!credentials.ok) {
    return { ok: false, heading: `invalid credentials file ${credentialsFile}:`, problems: credentials.problems }
  }
  return { ok: true, config: { config: loaded.config, credentials: credentials.store, redis } }
}

async function startBroker({ config, credentials, redis }: LoadedBroker, log: Logger): Promise<RunningService> {
  if (credentials === undefined) log.warn('no credentialsFile configured: every password login is refused')
  const broker = await createBroker(config, {
    log,
    credentials: credentials ?? new MemoryCredentialStore(),
    ...(redis ? { backends: redisBackends(redis, { log, startupTimeoutMs: config.startup.timeoutMs }) } : {}),
  })
  const registry = new Registry()
  let metrics: MetricsServer | undefined
  try {
    metrics =
      config.metrics &&
      (await startMetricsServer({ ...config.metrics, registry, log: log.child({ module: 'metrics' }) }))
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
    ...(credentials ? { reload: () => reloadCredentials(credentials, log) } : {}),
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

async function reloadCredentials(credentials: FileCredentialStore, log: Logger): Promise<void> {
  const result = await credentials.reload()
  if (result.ok) log.info({ principals: result.count }, 'credentials reloaded')
  else log.error({ problems: result.problems }, 'credentials reload refused; previous credentials stay')
}
