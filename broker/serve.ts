import { createLogger, type Logger } from '../lib/log.ts'
import { MemoryCredentialStore, type CredentialStore } from './auth/credentials.ts'
import { FileCredentialStore } from './auth/file-credential-store.ts'
import { loadBrokerConfig, type BrokerConfig } from './config.ts'
import { createBroker, type RunningBroker } from './create-broker.ts'

export interface ServeIo {
  /** Where configuration problems are printed (one line each). */
  printProblem: (line: string) => void
}

/** Exit codes of `amt-broker serve`. */
export const EXIT_OK = 0
export const EXIT_BAD_CONFIG = 1
export const EXIT_START_FAILED = 2

type Started = { ok: true; broker: RunningBroker; log: Logger; credentials: CredentialStore } | { ok: false; exitCode: number }

/** Loads config and credentials, starts the broker. Every problem is printed; nothing throws. */
export async function startFromConfigFile(configFile: string, io: ServeIo): Promise<Started> {
  const loaded = await loadBrokerConfig(configFile)
  if (!loaded.ok) {
    io.printProblem(`amt-broker: invalid config ${configFile}:`)
    for (const problem of loaded.problems) io.printProblem(`  ${problem}`)
    return { ok: false, exitCode: EXIT_BAD_CONFIG }
  }
  const config = loaded.config
  const log = createLogger({ name: 'amt-broker', level: config.logLevel })
  const credentials = await loadCredentials(config, log, io)
  if (credentials === null) return { ok: false, exitCode: EXIT_BAD_CONFIG }
  try {
    const broker = await createBroker(config, { log, credentials })
    return { ok: true, broker, log, credentials }
  } catch (err) {
    io.printProblem(`amt-broker: cannot start: ${(err as Error).message}`)
    log.fatal({ err }, 'start-up failed')
    return { ok: false, exitCode: EXIT_START_FAILED }
  }
}

async function loadCredentials(config: BrokerConfig, log: Logger, io: ServeIo): Promise<CredentialStore | null> {
  if (config.credentialsFile === undefined) {
    log.warn('no credentialsFile configured: every password login is refused')
    return new MemoryCredentialStore()
  }
  const loaded = await FileCredentialStore.load(config.credentialsFile)
  if (loaded.ok) return loaded.store
  io.printProblem(`amt-broker: invalid credentials file ${config.credentialsFile}:`)
  for (const problem of loaded.problems) io.printProblem(`  ${problem}`)
  return null
}

/** Runs until SIGTERM/SIGINT (close listeners, close aedes, exit 0). SIGHUP reloads the credentials file. */
export async function serve(configFile: string, io: ServeIo): Promise<number> {
  const started = await startFromConfigFile(configFile, io)
  if (!started.ok) return started.exitCode
  const { broker, log, credentials } = started
  if (credentials instanceof FileCredentialStore) {
    process.on('SIGHUP', () => {
      credentials.reload().then(
        (result) => (result.ok ? log.info({ principals: result.count }, 'credentials reloaded') : log.error({ problems: result.problems }, 'credentials reload refused; previous credentials stay')),
        (err: unknown) => log.error({ err }, 'credentials reload failed'),
      )
    })
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  log.info({ signal }, 'shutting down')
  await broker.close()
  log.info('stopped')
  return EXIT_OK
}
