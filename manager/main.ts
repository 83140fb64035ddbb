import { createLogger } from '../lib/log.ts'
import { runService } from '../lib/service-lifecycle.ts'
import { loadManagerConfig } from './config/config.ts'
import { reportStartFailure } from './wiring/process.ts'
import { startManager } from './wiring/start-manager.ts'
import { EXIT } from './wiring/startup-error.ts'

/**
 * `amt-manager serve --config <file>`: every config problem printed → 1; a start-up failure → a clear line → 2
 * (1 for a StartupError about configuration); otherwise runs under the services' lifecycle
 * (lib/service-lifecycle.ts): SIGTERM/SIGINT stop intake and close in reverse order → 0, a second signal exits at
 * once (2), a fatal error → 2; SIGHUP is logged and ignored (logs go to stdout; configuration is read at start).
 */
export async function runManager(configFile: string, stderr: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  const loaded = loadManagerConfig(configFile)
  if (!loaded.ok) {
    stderr(`amt-manager: invalid configuration ${configFile}:`)
    for (const problem of loaded.problems) stderr(`  ${problem}`)
    return EXIT.BAD_CONFIG
  }
  const log = createLogger({ name: 'amt-manager', level: loaded.config.log.level })
  return runService({
    log: log.child({ module: 'main' }),
    start: async () => {
      const running = await startManager(loaded.config, { log })
      return { stop: () => running.close() }
    },
    startFailed: (err) => reportStartFailure(err, log, stderr),
  })
}
